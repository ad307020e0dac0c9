"""Domain ownership (issue 12): a site is unverified until its tenant proves control of the
domain with a DNS TXT record or a well-known file, checked by the server against a local DNS
server and a local web server; only verified sites accept browser posts, API keys work for
unverified ones, and proving control moves the domain's browser posts to the prover."""
import pytest
from django.test import override_settings

from portal.dynamo.audit import AuditEntry
from portal.dynamo.sites import Site
from portal.selectors.access import access_site
from portal.services.ingest.browser_forms import DomainUnverified, browser_form_open
from portal.services.sites.domain_verification import FILE_PATH, VerificationFailed, site_verify, verification_instructions
from tests.factories.accounts import make_tenant, stored_items
from tests.factories.domains import fake_dns, fake_web
from tests.factories.ingest import make_key, make_site


@pytest.fixture
def world():
    """DNS records and web files the verification sees; the domain used resolves to 127.0.0.1."""
    records, files = {}, {}
    with fake_dns(records) as dns_port, fake_web(files) as web_port:
        with override_settings(SITE_VERIFICATION_NAMESERVERS=["127.0.0.1"], SITE_VERIFICATION_DNS_PORT=dns_port,
                               SITE_VERIFICATION_FILE_SCHEME="http", SITE_VERIFICATION_FILE_PORT=web_port,
                               DELIVERY_ALLOWED_HOSTS=["shop.example", "www.shop.example"]):
            records[("shop.example", "A")] = ["127.0.0.1"]
            yield records, files


def _claim(domain="shop.example"):
    tenant, owner = make_tenant()
    return tenant, make_site(tenant, domain=domain, verified=False)


def _fresh(tenant, site):
    return access_site(tenant=tenant, site_id=site.id)


def test_a_new_site_is_unverified_and_refuses_browser_posts_but_its_api_key_works(ddb):
    from portal.services.sites.api_keys import api_key_authenticate

    tenant, site = _claim()
    assert not site.verified
    with pytest.raises(DomainUnverified, match="verified the domain"):
        browser_form_open(site_id=site.id, origin="https://shop.example", referer=None)
    _, raw = make_key(tenant, site)
    assert api_key_authenticate(authorization=f"Bearer {raw}")[1].id == tenant.id


@pytest.mark.parametrize("name", ["shop.example", "_form-bridge.shop.example"])
def test_a_txt_record_on_the_domain_or_the_form_bridge_name_verifies(ddb, world, name):
    records, _ = world
    tenant, site = _claim()
    records[(name, "TXT")] = ["v=spf1 -all", verification_instructions(site=site)["txt_value"]]
    assert site_verify(tenant=tenant, actor="t", site=_fresh(tenant, site)) == "dns-txt"
    stored = _fresh(tenant, site)
    assert stored.verified and stored.verifiedBy == "dns-txt"
    assert browser_form_open(site_id=site.id, origin="https://shop.example", referer=None).site.id == site.id


def test_the_well_known_file_verifies(ddb, world):
    _, files = world
    tenant, site = _claim()
    files[FILE_PATH] = verification_instructions(site=site)["token"] + "\n"
    assert site_verify(tenant=tenant, actor="t", site=_fresh(tenant, site)) == "file"
    assert _fresh(tenant, site).verified


def test_without_proof_the_answer_says_what_was_looked_for_and_nothing_changes(ddb, world):
    records, files = world
    tenant, site = _claim()
    token = verification_instructions(site=site)["token"]
    records[("shop.example", "TXT")] = ["form-bridge-verification=someone-elses-token"]
    files[FILE_PATH] = "wrong content"
    before = stored_items()
    with pytest.raises(VerificationFailed) as failed:
        site_verify(tenant=tenant, actor="t", site=_fresh(tenant, site))
    assert f"form-bridge-verification={token}" in str(failed.value) and FILE_PATH in str(failed.value)
    assert stored_items() == before and not _fresh(tenant, site).verified


def test_the_file_is_not_fetched_from_a_private_address(ddb, world):
    records, files = world
    tenant, site = _claim(domain="intranet.example")
    records[("intranet.example", "A")] = ["127.0.0.1"]  # not in DELIVERY_ALLOWED_HOSTS
    files[FILE_PATH] = verification_instructions(site=site)["token"]
    with pytest.raises(VerificationFailed, match="loopback"):
        site_verify(tenant=tenant, actor="t", site=_fresh(tenant, site))
    assert not _fresh(tenant, site).verified


def test_two_tenants_claim_a_domain_and_the_one_who_proves_control_gets_its_browser_posts(ddb, world):
    records, _ = world
    first, first_site = _claim()
    second, second_site = _claim()
    records[("shop.example", "TXT")] = [verification_instructions(site=first_site)["txt_value"]]
    site_verify(tenant=first, actor="a", site=_fresh(first, first_site))
    # The first tenant's record proves nothing for the second (each claim has its own token).
    with pytest.raises(VerificationFailed):
        site_verify(tenant=second, actor="b", site=_fresh(second, second_site))
    records[("shop.example", "TXT")] = [verification_instructions(site=_fresh(second, second_site))["txt_value"]]
    site_verify(tenant=second, actor="b", site=_fresh(second, second_site))
    claims = {claim.tenantId: claim.verified for claim in Site.claims_of_domain("shop.example")}
    assert claims == {first.id: False, second.id: True}
    with pytest.raises(DomainUnverified):
        browser_form_open(site_id=first_site.id, origin="https://shop.example", referer=None)
    assert browser_form_open(site_id=second_site.id, origin="https://shop.example", referer=None).tenant.id == second.id
    lost = [e for e in AuditEntry.in_tenant(first.id).query(AuditEntry.partition_for(first.id))
            if e.action == "site.verification_lost"]
    assert len(lost) == 1 and lost[0].targetId == first_site.id


def test_imported_sites_are_unverified_and_an_unverified_claim_elsewhere_does_not_block_them(ddb):
    from portal.services.sites.site_import import rows_import, rows_parse, rows_validate

    other, _ = make_tenant()
    make_site(other, domain="claimed.example", verified=False)
    rows = rows_validate(rows_parse('[{"domain": "claimed.example", "owner_email": "new@agency.example", '
                                    '"organization": "Agency"}]', filename="x.json"))
    assert rows[0].problems == []
    result = rows_import(rows, actor="ops")
    assert any("unverified" in line for line in result.created)
    claims = {claim.tenantId: claim.verified for claim in Site.claims_of_domain("claimed.example")}
    assert len(claims) == 2 and not any(claims.values())
