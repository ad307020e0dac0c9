"""Pricing page, campaign codes, checkout form, e-mail confirmation link, password reset pages."""
import re
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.test import Client

from portal.dynamo.base import utcnow
from portal.dynamo.tenants import UNVALIDATED, VALIDATED
from portal.selectors.access import access_product, access_tenant
from portal.selectors.billing.orders import order_list
from portal.selectors.billing.tenants import tenant_get_by_email
from portal.services.billing.products import product_delete
from portal.views.public.password_reset import SENT
from tests.factories.accounts import PASSWORD, make_campaign, make_product, make_tenant, stored_items

TODAY = utcnow().date()


def test_pricing_lists_active_products_with_price_cycle_and_features(ddb):
    make_product(name="Starter", price=Decimal("19.00"), features=["Webhooks"], billing_cycle="YEARLY")
    gone = make_product(name="Retired")
    product_delete(actor="staff", product=access_product(product_id=gone.id))
    body = Client().get("/pricing/").content.decode()
    assert "Starter" in body and "19.00 EUR" in body and "/ year" in body and "Webhooks" in body
    assert "Retired" not in body


def test_pricing_without_products_says_so(ddb):
    assert "No plans are on sale right now." in Client().get("/pricing/").content.decode()


def test_a_valid_code_shows_the_discounted_price(ddb):
    product = make_product(name="Pro", price=Decimal("80.00"))
    make_campaign(product=product, code="SAVE25", discount_percent=25)
    body = Client().get("/pricing/", {"code": "save25"}).content.decode()
    assert "Code <strong>SAVE25</strong> applied" in body
    assert "60.00 EUR" in body and f"?product={product.id}&amp;code=SAVE25" in body


def test_each_unusable_code_gets_its_own_message_on_the_pricing_page(ddb):
    product = make_product()
    make_campaign(product=product, code="OLD", from_date=TODAY - timedelta(days=9), to_date=TODAY - timedelta(days=2))
    make_campaign(product=product, code="SOON", from_date=TODAY + timedelta(days=2), to_date=TODAY + timedelta(days=9))
    client = Client()
    expected = {"NOPE": "no campaign with the code NOPE", "OLD": "ended on", "SOON": "cannot be used yet"}
    for code, message in expected.items():
        body = client.get("/pricing/", {"code": code}).content.decode()
        assert message in body and "applied" not in body


def _checkout_data(product, **overrides):
    data = {"product_id": product.id, "organization": "Shop Ltd", "email": "buyer@shop.example",
            "password": PASSWORD, "password_again": PASSWORD, "campaign_code": ""}
    data.update(overrides)
    return data


def test_checkout_shows_the_server_quote_for_product_and_code(ddb):
    product = make_product(name="Pro", price=Decimal("80.00"))
    make_campaign(product=product, code="SAVE25", discount_percent=25)
    other = make_product(name="Other")
    client = Client()
    body = client.get("/checkout/", {"product": product.id, "code": "SAVE25"}).content.decode()
    assert re.search(r'class="order-price">60.00 EUR', body)
    body = client.get("/checkout/", {"product": other.id, "code": "SAVE25"}).content.decode()
    assert "is for the Pro plan, not for Other" in body


def test_checkout_creates_the_account_signs_in_and_ignores_a_posted_price(ddb):
    product = make_product(price=Decimal("80.00"))
    make_campaign(product=product, code="SAVE25", discount_percent=25)
    client = Client()
    response = client.post("/checkout/", _checkout_data(product, campaign_code="save25", price="0.01"))
    assert response.status_code == 302 and response["Location"] == "/"
    tenant = tenant_get_by_email(email="buyer@shop.example")
    assert tenant.status == UNVALIDATED
    [order] = order_list(tenant_id=tenant.id).items
    assert order.price == Decimal("60.00")
    home = client.get("/").content.decode()
    assert "Shop Ltd" in home and "Confirm your e-mail address" in home
    assert mail.outbox[0].to == ["buyer@shop.example"]


def test_invalid_checkout_input_gives_field_errors_and_writes_nothing(ddb):
    product = make_product()
    make_tenant(email="taken@shop.example")
    cases = [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"organization": "  "}, "This field is required."),
        ({"password": "short", "password_again": "short"}, "This password is too short."),
        ({"password_again": "something-else-1"}, "The two passwords do not match."),
        ({"product_id": "nope"}, "Select a valid choice."),
        ({"campaign_code": "NOPE"}, "no campaign with the code NOPE"),
        # Issue 12: a taken e-mail is no longer a field error (test_checkout_with_a_taken_email_...).
    ]
    before = stored_items()
    client = Client()
    for overrides, message in cases:
        response = client.post("/checkout/", _checkout_data(product, **overrides))
        assert response.status_code == 200, overrides
        body = response.content.decode()
        assert message in body and "field-error" in body, overrides
    assert stored_items() == before and mail.outbox == []


def test_the_confirmation_link_validates_the_tenant(ddb):
    product = make_product()
    Client().post("/checkout/", _checkout_data(product))
    path = re.search(r"http://[^/]+(/verify/\S+/)", mail.outbox[0].body).group(1)
    response = Client().get(path, follow=True)
    assert response.status_code == 200 and "E-mail confirmed" in response.content.decode()
    assert tenant_get_by_email(email="buyer@shop.example").status == VALIDATED


def test_a_broken_confirmation_link_is_a_clear_404(ddb):
    response = Client().get("/verify/garbage/", follow=True)
    assert response.status_code == 404 and "invalid or has expired" in response.content.decode()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(ddb):
    tenant, user = make_tenant()
    known = Client().post("/password-reset/", {"email": user.email}, follow=True)
    unknown = Client().post("/password-reset/", {"email": "nobody@nowhere.example"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert SENT in known.content.decode() and SENT in unknown.content.decode()
    assert len(mail.outbox) == 1


def test_password_reset_link_sets_a_new_password_once(ddb):
    tenant, user = make_tenant()
    Client().post("/password-reset/", {"email": user.email})
    path = re.search(r"http://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    assert client.get(path, follow=True).status_code == 200
    invalid = client.post(path, {"password": "short", "password_again": "short"})
    assert "This password is too short." in invalid.content.decode()
    done = client.post(path, {"password": "new-secret-pass-42", "password_again": "new-secret-pass-42"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert client.get(path).status_code == 404
    login = Client().post("/login/", {"email": user.email, "password": "new-secret-pass-42"})
    assert login.status_code == 302
    assert access_tenant(tenant_id=tenant.id).status == tenant.status


def test_checkout_with_a_taken_email_answers_check_your_inbox_and_tells_the_owner(ddb):
    """Issue 12: the page never says that another account has the address; its owner gets an
    e-mail (with the sign-in and reset links) and nothing is written."""
    product = make_product()
    make_tenant(email="taken@shop.example")
    before = stored_items()
    response = Client().post("/checkout/", _checkout_data(product, email="Taken@Shop.example"), follow=True)
    body = response.content.decode()
    assert response.redirect_chain == [("/checkout/sent/", 302)] and "Check your inbox" in body
    assert "another account" not in body and "already used" not in body
    [notice] = mail.outbox
    assert notice.to == ["taken@shop.example"] and "/password-reset/" in notice.body and "/login/" in notice.body
    assert stored_items() == before
