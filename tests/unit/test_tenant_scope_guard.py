"""The tenant scope guard (DESIGN section 5), on moto."""
import pytest

from portal.dynamo.base import UnscopedTenantAccess, new_id
from portal.dynamo.sites import Site
from portal.dynamo.submissions import Submission


def _site(tenant_id: str, domain: str) -> Site:
    site = Site.in_tenant(tenant_id).new(id=new_id(), domain=domain)
    site.save()
    return site


@pytest.mark.parametrize("call", [
    lambda: Site.get("DOMAIN#a.example", "SITE"),
    lambda: list(Site.query("DOMAIN#a.example")),
    lambda: list(Site.scan()),
    lambda: Site.count(),
    lambda: list(Site.tenant_index.query("tenant-a")),
    lambda: list(Submission.query("TENANT#a#0")),
])
def test_bare_reads_of_tenant_owned_tables_raise(moto_ddb, call):
    with pytest.raises(UnscopedTenantAccess):
        call()


def test_scoped_get_returns_own_item_and_hides_other_tenants(moto_ddb):
    _site("tenant-a", "a.example")
    assert Site.in_tenant("tenant-a").get(Site.key_for("a.example"), "SITE").domain == "a.example"
    with pytest.raises(Site.DoesNotExist):
        Site.in_tenant("tenant-b").get(Site.key_for("a.example"), "SITE")


def test_scoped_index_query_never_returns_another_tenants_items(moto_ddb):
    _site("tenant-a", "a.example")
    _site("tenant-b", "b.example")
    own = list(Site.in_tenant("tenant-a").query("tenant-a", index=Site.tenant_index))
    assert [s.domain for s in own] == ["a.example"]
    # Even a hash key naming tenant B returns nothing through tenant A's scope.
    assert list(Site.in_tenant("tenant-a").query("tenant-b", index=Site.tenant_index)) == []


def test_scope_needs_a_tenant_id():
    with pytest.raises(UnscopedTenantAccess):
        Site.in_tenant("")
