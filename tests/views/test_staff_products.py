"""Staff console product pages (Django test client against DynamoDB Local)."""
from decimal import Decimal

import pytest
from django.test import Client

from portal.selectors.access import access_product
from portal.selectors.billing.products import product_list
from tests.factories.accounts import make_product

pytestmark = pytest.mark.django_db

VALID = {"name": "Agency", "description": "For agencies", "price": "49.90", "currency": "eur",
         "billing_cycle": "MONTHLY", "features": "Webhooks\n\nE-mail destinations\n", "monthly_submissions": "5000",
         "max_destinations": "5", "max_sites": "10", "retention_days": "90"}


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.login(username="ops", password="ops-password-123")
    return client


def test_create_product_stores_it_and_shows_it(ddb, staff):
    response = staff.post("/staff/products/new/", VALID)
    assert response.status_code == 302
    product = product_list(active=True).items[0]
    assert (product.name, product.price, product.currency, product.features) == \
        ("Agency", Decimal("49.90"), "EUR", ["Webhooks", "E-mail destinations"])
    assert product.lastUpdatedBy == "ops" and product.quotas.maxSites == 10
    page = staff.get(response["Location"]).content.decode()
    assert "49.90 EUR" in page and "E-mail destinations" in page


INVALID = [
    ({"name": ""}, "This field is required."),
    ({"name": "x" * 101}, "at most 100 characters"),
    ({"price": "-1"}, "greater than or equal to 0"),
    ({"price": "10.005"}, "no more than 2 decimal places"),
    ({"currency": "XYZ"}, "ISO 4217"),
    ({"billing_cycle": "WEEKLY"}, "Select a valid choice"),
    ({"features": "\n".join(f"f{i}" for i in range(51))}, "At most 50 features"),
    ({"monthly_submissions": "-5"}, "greater than or equal to 0"),
]


def test_invalid_product_form_shows_field_errors_and_writes_nothing(ddb, staff):
    for changes, error in INVALID:
        response = staff.post("/staff/products/new/", {**VALID, **changes})
        assert response.status_code == 200 and error in response.content.decode(), changes
    assert product_list(active=True).items == [] and product_list(active=False).items == []


def test_invalid_edit_changes_nothing(ddb, staff):
    product = make_product(name="Keep")
    response = staff.post(f"/staff/products/{product.id}/edit/", {**VALID, "version": product.version, "price": "abc"})
    assert response.status_code == 200 and "Enter a number." in response.content.decode()
    stored = access_product(product_id=product.id)
    assert stored.name == "Keep" and stored.version == product.version


def test_stale_edit_form_is_refused_and_overwrites_nothing(ddb, staff):
    product = make_product(name="Start")
    first = staff.post(f"/staff/products/{product.id}/edit/", {**VALID, "name": "First", "version": product.version})
    assert first.status_code == 302
    second = staff.post(f"/staff/products/{product.id}/edit/", {**VALID, "name": "Second", "version": product.version})
    assert second.status_code == 200 and "changed by someone else" in second.content.decode()
    assert access_product(product_id=product.id).name == "First"


def test_edit_form_carries_the_version_as_a_hidden_field(ddb, staff):
    product = make_product()
    page = staff.get(f"/staff/products/{product.id}/edit/").content.decode()
    assert f'type="hidden" name="version" value="{product.version}"' in page


def test_delete_and_restore_from_the_detail_page(ddb, staff):
    product = make_product(name="Toggle")
    staff.post(f"/staff/products/{product.id}/delete/", {"version": product.version})
    assert access_product(product_id=product.id).active is False
    assert "Toggle" in staff.get("/staff/products/?show=deleted").content.decode()
    staff.post(f"/staff/products/{product.id}/restore/", {"version": product.version + 1})
    assert access_product(product_id=product.id).active is True
    audit = staff.get(f"/staff/products/{product.id}/audit/").content.decode()
    assert "product.delete" in audit and "product.restore" in audit


def test_list_paginates_25_per_page(ddb, staff):
    for n in range(26):
        make_product(name=f"Plan {n:02d}")
    first = staff.get("/staff/products/")
    body = first.content.decode()
    assert "Plan 25" in body and "Plan 00" not in body and first.context["page"].next_cursor
    second = staff.get("/staff/products/", {"cursor": first.context["page"].next_cursor}).content.decode()
    assert "Plan 00" in second and "Plan 25" not in second


def test_a_tampered_cursor_goes_back_to_the_first_page_with_a_message(ddb, staff):
    response = staff.get("/staff/products/", {"cursor": "garbage"}, follow=True)
    assert response.status_code == 200 and "This page link is invalid or has expired." in response.content.decode()
