"""Every staff page needs a staff account; every form needs a CSRF token."""
import pytest
from django.test import Client

from tests.factories.accounts import PASSWORD, make_campaign, make_product, make_tenant

pytestmark = pytest.mark.django_db

PAGES = ["/staff/", "/staff/audit/", "/staff/products/", "/staff/products/new/", "/staff/products/{product}/",
         "/staff/products/{product}/edit/", "/staff/products/{product}/audit/", "/staff/campaigns/",
         "/staff/campaigns/new/", "/staff/campaigns/{campaign}/", "/staff/campaigns/{campaign}/edit/",
         "/staff/campaigns/{campaign}/audit/", "/staff/tenants/", "/staff/tenants/new/", "/staff/tenants/{tenant}/",
         "/staff/tenants/{tenant}/edit/", "/staff/tenants/{tenant}/status/", "/staff/tenants/{tenant}/audit/",
         "/staff/costs/"]
POSTS = ["/staff/products/{product}/delete/", "/staff/campaigns/{campaign}/delete/", "/staff/tenants/{tenant}/delete/",
         "/staff/tenants/{tenant}/status/", "/staff/costs/{tenant}/threshold/"]


@pytest.fixture
def ids(ddb):
    product = make_product()
    campaign = make_campaign(product=product)
    tenant, user = make_tenant(product=product)
    return {"product": product.id, "campaign": campaign.code, "tenant": tenant.id, "user": user}


def test_anonymous_and_non_staff_visitors_go_to_the_staff_login(ids, django_user_model):
    django_user_model.objects.create_user("plain", password="plain-password-123", is_staff=False)
    plain = Client()
    plain.login(username="plain", password="plain-password-123")
    tenant_user = Client()
    tenant_user.post("/login/", {"email": ids["user"].email, "password": PASSWORD})
    for client in (Client(), plain, tenant_user):
        for url in [u.format(**ids) for u in PAGES]:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next="), url
        for url in [u.format(**ids) for u in POSTS]:
            response = client.post(url, {"version": 1})
            assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), url


def test_forms_without_a_csrf_token_are_refused(ids, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.login(username="ops", password="ops-password-123")
    for url in ["/staff/products/new/", "/staff/tenants/{tenant}/status/".format(**ids),
                "/staff/campaigns/{campaign}/delete/".format(**ids)]:
        assert client.post(url, {"version": 1}).status_code == 403
    page = client.get("/staff/products/new/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_overview_shows_counts_per_status_and_links(ids, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.login(username="ops", password="ops-password-123")
    response = client.get("/staff/")
    assert response.context["counts"]["REGISTERED"] == 1 and response.context["total"] == 1
    body = response.content.decode()
    for link in ("/staff/tenants/", "/staff/products/", "/staff/campaigns/", "/staff/audit/"):
        assert f'href="{link}"' in body
