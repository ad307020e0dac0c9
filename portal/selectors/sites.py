"""Reads of sites and API keys, always inside one tenant."""
from __future__ import annotations

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.sites import Site
from portal.errors import NotFound


def site_list(*, tenant_id: str, include_deleted: bool = False) -> list[Site]:
    sites = Site.in_tenant(tenant_id).query(tenant_id, index=Site.tenant_index)
    return [s for s in sites if include_deleted or s.active]


def site_count_active(*, tenant_id: str) -> int:
    return len(site_list(tenant_id=tenant_id))


def site_get(*, tenant_id: str, site_id: str, include_deleted: bool = False) -> Site:
    """The tenant's site, or NotFound for unknown, deleted and other tenants' sites alike."""
    if site_id and len(site_id) <= 64:
        for site in Site.in_tenant(tenant_id).query(site_id, index=Site.id_index):
            if site.active or include_deleted:
                return site
    raise NotFound("No such site.")


def api_key_list(*, tenant_id: str, site_id: str) -> list[ApiKey]:
    """Newest first; revoked keys stay listed (greyed) so their last use remains visible."""
    keys = ApiKey.in_tenant(tenant_id).query(
        tenant_id, index=ApiKey.tenant_index, filter_condition=ApiKey.siteId == site_id, scan_index_forward=False)
    return list(keys)


def api_key_get(*, tenant_id: str, site_id: str, key_id: str) -> ApiKey:
    for key in api_key_list(tenant_id=tenant_id, site_id=site_id):
        if key.id == key_id:
            return key
    raise NotFound("No such API key.")
