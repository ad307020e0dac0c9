"""Reads of the development webhook inspector: what the tenant's inspector received."""
from __future__ import annotations

from portal.dynamo.inspector import InspectorRequest


def inspector_requests(*, tenant_id: str) -> list[InspectorRequest]:
    """The tenant's kept requests (the last 50, at most 3 days old), newest first."""
    return InspectorRequest.latest(tenant_id)
