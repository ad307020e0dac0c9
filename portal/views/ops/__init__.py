"""Endpoints for operators and their tools (no user session): the Prometheus scrape."""
