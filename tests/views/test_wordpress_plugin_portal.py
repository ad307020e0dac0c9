"""The portal's side of the WordPress plugin (issue 14): GET /api/v1/site for "Test connection",
the plugin zip on the quick-start page, and the zip configured with a new key, offered only on
the one-time key page of the session that created it."""
import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from portal.dynamo.base import utcnow
from portal.errors import NotFound
from portal.services.sites.api_keys import api_key_revoke
from portal.services.sites.sites import site_delete
from portal.services.sites.wordpress_plugin import configured_plugin_zip, plugin_source_files
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_key, make_site

SITE_URL = "/api/v1/site"


def _login(user):
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _zip_names(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _get_site(raw_key):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"} if raw_key is not None else {}
    return Client().get(SITE_URL, **headers)


def test_site_endpoint_answers_the_keys_domain_and_account_name(ddb):
    tenant, _ = make_tenant(organization="Pixel & Pine Agency")
    site = make_site(tenant, domain="shop.example")
    _, raw = make_key(tenant, site)
    response = _get_site(raw)
    assert response.status_code == 200
    assert response.json() == {"site_id": site.id, "domain": "shop.example", "account": "Pixel & Pine Agency"}
    assert "no-store" in response["Cache-Control"]


def test_site_endpoint_gives_the_same_401_for_missing_unknown_revoked_and_deleted_site(ddb):
    tenant, _ = make_tenant()
    site = make_site(tenant)
    key, raw = make_key(tenant, site)
    other_key, other_raw = make_key(tenant)
    answers = [_get_site(None), _get_site("fbk_" + "x" * 43)]
    api_key_revoke(tenant=tenant, actor="tests", key=key)
    answers.append(_get_site(raw))
    other_site = make_site(tenant, domain="gone.example")
    _, gone_raw = make_key(tenant, other_site)
    site_delete(tenant=tenant, actor="tests", site=other_site)
    answers.append(_get_site(gone_raw))
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1
    assert answers[0]["Content-Type"] == "application/problem+json"
    assert _get_site(other_raw).status_code == 200  # the tenant's other key still works


def test_site_endpoint_answers_each_tenant_only_its_own_site(ddb):
    tenant_a, _ = make_tenant(organization="Agency A")
    tenant_b, _ = make_tenant(organization="Agency B")
    _, raw_a = make_key(tenant_a, make_site(tenant_a, domain="a.example"))
    _, raw_b = make_key(tenant_b, make_site(tenant_b, domain="b.example"))
    assert _get_site(raw_a).json()["domain"] == "a.example"
    body_b = _get_site(raw_b).json()
    assert body_b["domain"] == "b.example" and body_b["account"] == "Agency B"


def test_site_endpoint_refuses_post(ddb):
    tenant, _ = make_tenant()
    _, raw = make_key(tenant)
    assert Client().post(SITE_URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 405


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.text(max_size=300).filter(lambda h: "\n" not in h and "\r" not in h))
def test_any_authorization_header_gets_401_never_an_error(ddb, header):
    response = Client().get(SITE_URL, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_quick_start_offers_the_plugin_zip_with_the_endpoint_and_no_key(ddb, settings):
    tenant, owner = make_tenant()
    site = make_site(tenant, domain="quick.example")
    client = _login(owner)
    page = client.get(f"/sites/{site.id}/quick-start/")
    assert f"/sites/{site.id}/form-bridge.zip" in page.content.decode()
    assert page.content.decode().count("<li>") >= 5 and "Upload Plugin" in page.content.decode()
    response = client.get(f"/sites/{site.id}/form-bridge.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="form-bridge.zip"'
    files = _zip_names(response.content)
    assert b"Plugin Name:       Form-Bridge" in files["form-bridge/form-bridge.php"]
    assert "form-bridge/readme.txt" in files and "form-bridge/uninstall.php" in files
    assert len(files) == len(plugin_source_files()) + 1
    config = files["form-bridge/preconfigured.php"].decode()
    assert f"'endpoint' => '{settings.SITE_URL}'" in config and "api_key" not in config


def test_plugin_zip_of_another_tenants_site_is_404(ddb):
    tenant_a, _ = make_tenant()
    _, owner_b = make_tenant()
    site_a = make_site(tenant_a)
    assert _login(owner_b).get(f"/sites/{site_a.id}/form-bridge.zip").status_code == 404


def _create_key(client, site):
    response = client.post(f"/sites/{site.id}/keys/", {"label": "wp"}, follow=True)
    assert response.status_code == 200 and len(response.redirect_chain) == 1
    html = response.content.decode()
    raw = html.split('data-testid="raw-key"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    key_id = html.split("/keys/", 1)[1].split("/form-bridge.zip", 1)[0]
    return raw, key_id, html


def test_new_key_page_offers_a_zip_configured_with_that_key_in_the_same_session(ddb, settings):
    tenant, owner = make_tenant()
    site = make_site(tenant)
    client = _login(owner)
    raw, key_id, html = _create_key(client, site)
    assert 'data-testid="configured-plugin-zip"' in html
    response = client.post(f"/sites/{site.id}/keys/{key_id}/form-bridge.zip", {"raw_key": raw})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="form-bridge.zip"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    config = _zip_names(response.content)["form-bridge/preconfigured.php"].decode()
    assert f"'api_key'  => '{raw}'" in config and f"'endpoint' => '{settings.SITE_URL}'" in config


def test_configured_zip_is_refused_to_another_session_a_wrong_key_and_a_get(ddb):
    tenant, owner = make_tenant()
    site = make_site(tenant)
    client = _login(owner)
    raw, key_id, _ = _create_key(client, site)
    url = f"/sites/{site.id}/keys/{key_id}/form-bridge.zip"
    assert _login(owner).post(url, {"raw_key": raw}).status_code == 404  # same user, another session
    assert client.post(url, {"raw_key": raw[:-1] + ("A" if raw[-1] != "A" else "B")}).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert client.get(url).status_code == 405


def test_configured_zip_of_another_tenants_key_is_404(ddb):
    tenant_a, owner_a = make_tenant()
    _, owner_b = make_tenant()
    site_a = make_site(tenant_a)
    raw, key_id, _ = _create_key(_login(owner_a), site_a)
    client_b = _login(owner_b)
    assert client_b.post(f"/sites/{site_a.id}/keys/{key_id}/form-bridge.zip", {"raw_key": raw}).status_code == 404


def test_configured_zip_expires_and_is_refused_for_a_revoked_key(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    assert configured_plugin_zip(key=key, raw_key=raw, endpoint="https://fb.example")
    with pytest.raises(NotFound):
        configured_plugin_zip(key=key, raw_key=raw, endpoint="https://fb.example",
                              now=utcnow() + timedelta(minutes=16))
    api_key_revoke(tenant=tenant, actor="tests", key=key)
    with pytest.raises(NotFound):
        configured_plugin_zip(key=key, raw_key=raw, endpoint="https://fb.example")
