"""Reads of the audit trail: the whole console, one tenant, or one product/campaign."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
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
    return _readable_page(query_page(lambda **kw: AuditEntry.staff_log(**kw), cursor=cursor, audience=STAFF,
                                     list_name="audit:staff", limit=limit, map_item=_with_changes))


def audit_target_page(*, target_type: str, target_id: str, cursor: str | None = None,
                      limit: int = 25) -> Page[AuditEntry]:
    """One product's or campaign's entries: the staff trail filtered on its target."""
    condition = (AuditEntry.targetType == target_type) & (AuditEntry.targetId == target_id)
    # A filtered query: read the partition in large pages so a rare target costs few requests.
    return _readable_page(query_page(
        lambda **kw: AuditEntry.staff_log(filter_condition=condition, page_size=FILTER_PAGE_SIZE, **kw),
        cursor=cursor, audience=STAFF, list_name=f"audit:{target_type}:{target_id}", limit=limit,
        map_item=_with_changes))


def audit_tenant_page(*, tenant_id: str, cursor: str | None = None, limit: int = 25) -> Page[AuditEntry]:
    """A tenant's whole trail (staff and the tenant's own users), newest first."""
    return _readable_page(query_page(
        lambda **kw: AuditEntry.in_tenant(tenant_id).query(AuditEntry.partition_for(tenant_id),
                                                           scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"audit:tenant:{tenant_id}", limit=limit, map_item=_with_changes,
    ))


def _readable_page(page: Page) -> Page:
    audit_readable(list(page.items))
    return page


# --- read by people ------------------------------------------------------------------------------
def _words(name: str) -> str:
    """monthlySubmissions → "monthly submissions"; max_sites → "max sites"."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", name).replace("_", " ").lower()


def _readable(field: str, value, products: dict) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{value:,}" if value == int(value) else str(value)
    if isinstance(value, dict):
        return "; ".join(f"{_words(k)} {_readable(k, v, products)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_readable(field, v, products) for v in value)
    if field in ("productId", "product_id") and value in products:
        return products[value].name
    return str(value)


def audit_readable(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The entries with words where ids and raw structures were: `target_name` (a product's or
    tenant's name), and each change's `before_text` / `after_text` (quotas as "monthly
    submissions 20,000; max sites 3", product ids as product names)."""
    from portal.selectors.billing.products import products_by_id
    from portal.selectors.billing.tenants import tenant_get_or_none
    from portal.selectors.sites import site_list

    product_ids = {e.targetId for e in entries if e.targetType == "product" and e.targetId}
    for entry in entries:
        for change in getattr(entry, "changes", None) or audit_changes(entry):
            for value in (change.before, change.after):
                if change.field in ("productId", "product_id") and isinstance(value, str):
                    product_ids.add(value)
    products = products_by_id(product_ids=product_ids) if product_ids else {}
    tenants: dict[str, str] = {}
    site_domains: dict[str, dict[str, str]] = {}
    for entry in entries:
        name = None
        if entry.targetType == "product" and entry.targetId in products:
            name = products[entry.targetId].name
        elif entry.targetType == "site" and entry.targetId and getattr(entry, "tenantId", None):
            if entry.tenantId not in site_domains:
                site_domains[entry.tenantId] = {site.id: site.domain for site in
                                                site_list(tenant_id=entry.tenantId, include_deleted=True)}
            name = site_domains[entry.tenantId].get(entry.targetId)
        elif entry.targetType == "tenant" and entry.targetId:
            if entry.targetId not in tenants:
                tenant = tenant_get_or_none(tenant_id=entry.targetId)
                tenants[entry.targetId] = (tenant.organization or tenant.email) if tenant else ""
            name = tenants[entry.targetId] or None
        entry.target_name = name or entry.targetId
        entry.changes = getattr(entry, "changes", None) or audit_changes(entry)
        for change in entry.changes:
            change.field_text = _words(change.field)
            change.before_text = _readable(change.field, change.before, products)
            change.after_text = _readable(change.field, change.after, products)
    return entries
