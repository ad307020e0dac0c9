"""TenantScope.batch_get (on moto): one request for many keys, never another tenant's item."""
import pytest

from portal.dynamo.base import UnscopedTenantAccess, new_id
from portal.dynamo.sites import Site


def _site(tenant_id: str, domain: str) -> Site:
    site = Site.in_tenant(tenant_id).new(id=new_id(), domain=domain)
    site.save()
    return site


def test_scoped_batch_get_returns_own_items_and_leaves_out_other_tenants_and_missing_keys(moto_ddb):
    _site("tenant-a", "a1.example")
    _site("tenant-a", "a2.example")
    _site("tenant-b", "b.example")
    keys = [(Site.key_for(domain), "SITE") for domain in ("a1.example", "a2.example", "b.example", "none.example")]
    found = Site.in_tenant("tenant-a").batch_get(keys)
    assert sorted(site.domain for site in found) == ["a1.example", "a2.example"]


def test_bare_batch_get_still_refuses(moto_ddb):
    with pytest.raises(UnscopedTenantAccess):
        list(Site.batch_get([(Site.key_for("a1.example"), "SITE")]))
