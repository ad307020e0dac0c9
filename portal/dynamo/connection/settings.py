"""Where the tables are: endpoint, region, table prefix and timeouts, filled by configure() in
portal.dynamo.registry before the first request. It imports nothing of ours, so the connection
plumbing (base, telemetry, capacity) can all read it without importing each other."""
from __future__ import annotations

from typing import Any

CONNECTION_SETTINGS: dict[str, Any] = {"host": None, "region": "us-east-1", "prefix": "formbridge-dev-"}
