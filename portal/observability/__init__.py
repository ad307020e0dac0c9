"""Operators' view of the running system: Prometheus metrics (metrics.py), the ingest
middleware that feeds them (middleware.py) and the /metrics exposition (exposition.py)."""
