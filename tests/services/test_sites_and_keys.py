"""Sites (domain normalisation, one owner per domain, plan limit, soft delete) and API keys."""
from datetime import timedelta

import pytest

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.base import utcnow
from portal.dynamo.sites import Site
from portal.selectors.sites import api_key_list, site_list
from portal.services.sites.api_keys import KeyRefused, api_key_authenticate, api_key_mark_used, api_key_revoke
from portal.services.sites.sites import DomainTaken, InvalidDomain, PlanLimitReached, normalise_domain, site_add, site_delete
from tests.factories.accounts import make_product, make_tenant
from tests.factories.ingest import make_key, make_site


@pytest.mark.parametrize("raw, expected", [
    ("Example.COM", "example.com"),
    ("https://www.Example.com:8443/contact?x=1#top", "www.example.com"),
    ("http://user@shop.example.org/", "shop.example.org"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("https://Bücher.Example/", "xn--bcher-kva.example"),
    ("example.com.", "example.com"),
])
def test_domains_are_normalised(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize("raw", ["", "localhost", "203.0.113.7", "http://[::1]/", "exa mple.com", "-bad-.example",
                                 "a..example"])
def test_invalid_domains_are_refused(raw):
    with pytest.raises(InvalidDomain):
        normalise_domain(raw)


def test_a_domain_claimed_by_another_tenant_is_a_new_unverified_claim_that_reveals_nothing(ddb):
    # Issue 12: adding a domain another tenant has must not say so; only verification decides.
    a, _ = make_tenant()
    b, _ = make_tenant()
    a_site = site_add(tenant=a, actor="a", domain="https://Shared.example/")
    b_site = site_add(tenant=b, actor="b", domain="shared.example")
    assert b_site.id != a_site.id and not b_site.verified and not a_site.verified
    with pytest.raises(DomainTaken, match="already one of your sites"):
        site_add(tenant=a, actor="a", domain="SHARED.example")
    assert [site.id for site in site_list(tenant_id=b.id)] == [b_site.id]
    assert Site.lookup_by_domain("shared.example").tenantId == a.id


def test_plan_limits_active_sites_and_a_deleted_site_frees_its_slot(ddb):
    tenant, _ = make_tenant(product=make_product(max_sites=1))
    first = make_site(tenant, domain="one.example")
    with pytest.raises(PlanLimitReached):
        make_site(tenant, domain="two.example")
    site_delete(tenant=tenant, actor="t", site=first)
    assert make_site(tenant, domain="two.example").active


def test_deleting_keeps_the_domain_and_re_adding_restores_the_same_site_with_keys_revoked(ddb):
    tenant, _ = make_tenant()
    other, _ = make_tenant()
    site = make_site(tenant, domain="kept.example")
    key, raw = make_key(tenant, site)
    site_delete(tenant=tenant, actor="t", site=site)
    with pytest.raises(KeyRefused):
        api_key_authenticate(authorization=f"Bearer {raw}")
    claim = site_add(tenant=other, actor="o", domain="kept.example")  # issue 12: a claim of its own, unverified
    assert claim.id != site.id and claim.tenantId == other.id and not claim.verified
    restored = site_add(tenant=tenant, actor="t", domain="kept.example")
    assert restored.id == site.id and restored.active
    assert [k.active for k in api_key_list(tenant_id=tenant.id, site_id=site.id)] == [False]


def test_only_the_hash_of_a_key_is_stored_and_the_key_authenticates(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant, label="WordPress")
    assert raw.startswith("fbk_") and len(raw) >= 40
    stored = ApiKey.in_tenant(tenant.id).get(ApiKey.key_for(ApiKey.hash_key_material(raw)), "KEY")
    assert raw not in str(stored.serialize()) and stored.displayPrefix == raw[:12]
    found, found_tenant = api_key_authenticate(authorization=f"Bearer {raw}")
    assert (found.id, found_tenant.id) == (key.id, tenant.id)


def test_last_used_is_written_at_most_once_a_minute(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    now = utcnow()
    api_key_mark_used(key=key, now=now)
    assert ApiKey.touch_last_used(key.keyHash, now=now + timedelta(seconds=30), min_interval=timedelta(minutes=1)) is False
    assert ApiKey.touch_last_used(key.keyHash, now=now + timedelta(seconds=61), min_interval=timedelta(minutes=1)) is True
    fresh, _ = api_key_authenticate(authorization=f"Bearer {raw}")
    assert abs((fresh.lastUsedAt - (now + timedelta(seconds=61))).total_seconds()) < 0.01


def test_revoked_key_no_longer_authenticates(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    api_key_revoke(tenant=tenant, actor="t", key=key)
    with pytest.raises(KeyRefused):
        api_key_authenticate(authorization=f"Bearer {raw}")
