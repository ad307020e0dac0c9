"""Reads of the audit trail: the whole console, one tenant, or one product/campaign."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.dynamo.audit import AuditEntry
from portal.selectors.pagination import Page, query_page

STAFF = "staff"
FILTER_PAGE_SIZE = 200


@dataclass
class Change:
    field: str
    before: Any
    after: Any


def audit_changes(entry: AuditEntry) -> list[Change]:
    """The fields an entry changed (all of `after` for a creation)."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [Change(field="value", before=before, after=after)]
    keys = sorted(set(before) | set(after))
    return [Change(field=k, before=before.get(k), after=after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _with_changes(entry: AuditEntry) -> AuditEntry:
    entry.changes = audit_changes(entry)
    return entry


def audit_staff_page(*, cursor: str | None = None, limit: int = 25) -> Page[AuditEntry]:
    """Every staff write, newest first."""
    return query_page(lambda **kw: AuditEntry.staff_log(**kw), cursor=cursor, audience=STAFF,
                      list_name="audit:staff", limit=limit, map_item=_with_changes)


def audit_target_page(*, target_type: str, target_id: str, cursor: str | None = None,
                      limit: int = 25) -> Page[AuditEntry]:
    """One product's or campaign's entries: the staff trail filtered on its target."""
    condition = (AuditEntry.targetType == target_type) & (AuditEntry.targetId == target_id)
    # A filtered query: read the partition in large pages so a rare target costs few requests.
    return query_page(lambda **kw: AuditEntry.staff_log(filter_condition=condition, page_size=FILTER_PAGE_SIZE, **kw),
                      cursor=cursor,
                      audience=STAFF, list_name=f"audit:{target_type}:{target_id}", limit=limit,
                      map_item=_with_changes)


def audit_tenant_page(*, tenant_id: str, cursor: str | None = None, limit: int = 25) -> Page[AuditEntry]:
    """A tenant's whole trail (staff and the tenant's own users), newest first."""
    return query_page(
        lambda **kw: AuditEntry.in_tenant(tenant_id).query(AuditEntry.partition_for(tenant_id),
                                                           scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"audit:tenant:{tenant_id}", limit=limit, map_item=_with_changes,
    )
