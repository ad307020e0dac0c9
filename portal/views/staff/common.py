"""Small helpers shared by the staff console's views."""
from __future__ import annotations


def actor(request) -> str:
    """The staff username recorded as lastUpdatedBy and in the audit trail."""
    return request.user.get_username()
