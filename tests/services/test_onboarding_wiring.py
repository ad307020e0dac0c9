"""Issue 6's lifecycle rules wired into issue 4's site and key services."""
import pytest
from django.test import Client

from portal.dynamo.tenants import REGISTERED, UNVALIDATED, VALIDATED
from portal.selectors.sites import api_key_list
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.sites.api_keys import api_key_create
from portal.services.billing.onboarding import EmailNotConfirmed
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site


def test_first_site_of_a_validated_tenant_completes_registration(ddb):
    tenant, _ = make_tenant(status=VALIDATED)
    make_site(tenant)
    assert tenant_get_or_none(tenant_id=tenant.id).status == REGISTERED


def test_a_site_does_not_skip_e_mail_confirmation(ddb):
    tenant, _ = make_tenant(status=UNVALIDATED)
    make_site(tenant)
    assert tenant_get_or_none(tenant_id=tenant.id).status == UNVALIDATED


def test_unvalidated_tenant_cannot_create_api_keys_and_nothing_is_stored(ddb):
    tenant, _ = make_tenant(status=UNVALIDATED)
    site = make_site(tenant)
    with pytest.raises(EmailNotConfirmed):
        api_key_create(tenant=tenant, actor="tests", site=site)
    assert api_key_list(tenant_id=tenant.id, site_id=site.id) == []


def test_key_page_tells_an_unvalidated_tenant_why_instead_of_failing(ddb):
    tenant, user = make_tenant(status=UNVALIDATED)
    site = make_site(tenant)
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    response = client.post(f"/sites/{site.id}/keys/", {"label": "plugin"}, follow=True)
    assert response.status_code == 200
    assert "Confirm your e-mail address before creating API keys" in response.content.decode()
    assert api_key_list(tenant_id=tenant.id, site_id=site.id) == []
