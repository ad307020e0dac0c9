"""Reads of sites and API keys, always inside one tenant (one by id: selectors.access)."""
from __future__ import annotations

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.sites import Site


def site_list(*, tenant_id: str, include_deleted: bool = False) -> list[Site]:
    sites = Site.in_tenant(tenant_id).query(tenant_id, index=Site.tenant_index)
    return [s for s in sites if include_deleted or s.active]


def visible_sites(*, tenant) -> list[Site]:
    """The tenant's live sites the signed-in user may see (a site-scoped user: its own)."""
    scope = tenant.site_scope
    return [s for s in site_list(tenant_id=tenant.id) if scope is None or s.id in scope]


def site_count_active(*, tenant_id: str) -> int:
    return len(site_list(tenant_id=tenant_id))


def api_key_list(*, tenant_id: str, site_id: str) -> list[ApiKey]:
    """Newest first; revoked keys stay listed (greyed) so their last use remains visible."""
    keys = ApiKey.in_tenant(tenant_id).query(
        tenant_id, index=ApiKey.tenant_index, filter_condition=ApiKey.siteId == site_id, scan_index_forward=False)
    return list(keys)
