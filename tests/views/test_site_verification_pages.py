"""The site page says how to verify a domain and its "Verify now" button checks it; the
verify URL is the tenant's own (another tenant's site id is a 404 that changes nothing)."""
import pytest
from django.test import Client, override_settings

from portal.selectors.access import access_site
from portal.services.sites.domain_verification import FILE_PATH, verification_instructions
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.domains import fake_dns, fake_web
from tests.factories.ingest import make_site


def _client(user):
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def world():
    records, files = {("agency.example", "A"): ["127.0.0.1"]}, {}
    with fake_dns(records) as dns_port, fake_web(files) as web_port:
        with override_settings(SITE_VERIFICATION_NAMESERVERS=["127.0.0.1"], SITE_VERIFICATION_DNS_PORT=dns_port,
                               SITE_VERIFICATION_FILE_SCHEME="http", SITE_VERIFICATION_FILE_PORT=web_port,
                               DELIVERY_ALLOWED_HOSTS=["agency.example"]):
            yield records, files


def test_the_site_page_explains_verification_and_verify_now_checks_it(ddb, world):
    records, files = world
    tenant, owner = make_tenant()
    client = _client(owner)
    site = make_site(tenant, domain="agency.example", verified=False)
    instructions = verification_instructions(site=site)
    page = client.get(f"/sites/{site.id}/").content.decode()
    assert "Verify agency.example" in page and instructions["txt_value"] in page and "_form-bridge.agency.example" in page
    assert f"/.well-known/form-bridge-verification.txt" in page and "Verify now" in page and "unverified" in page
    refused = client.post(f"/sites/{site.id}/verify/", follow=True).content.decode()
    assert "No proof found yet for agency.example" in refused and not access_site(tenant=tenant, site_id=site.id).verified
    files[FILE_PATH] = instructions["token"]
    done = client.post(f"/sites/{site.id}/verify/", follow=True).content.decode()
    assert "agency.example is verified (the file on the site)" in done and "Verify now" not in done
    assert access_site(tenant=tenant, site_id=site.id).verified


def test_verifying_another_tenants_site_is_404_and_changes_nothing(ddb, world):
    records, _ = world
    tenant_a, _ = make_tenant()
    tenant_b, owner_b = make_tenant()
    site = make_site(tenant_a, domain="agency.example", verified=False)
    records[("agency.example", "TXT")] = [verification_instructions(site=site)["txt_value"]]
    b_client = _client(owner_b)
    assert b_client.post(f"/sites/{site.id}/verify/").status_code == 404
    assert b_client.get(f"/sites/{site.id}/verify/").status_code in (404, 405)
    assert not access_site(tenant=tenant_a, site_id=site.id).verified
