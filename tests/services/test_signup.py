"""Checkout: one transaction for tenant, owner and order; the server decides the price;
campaign codes refused with their own message; atomic e-mail uniqueness."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail

from portal.dynamo.base import utcnow
from portal.dynamo.orders import Order
from portal.dynamo.tenants import UNVALIDATED
from portal.dynamo.users import OWNER, PortalUser
from portal.selectors.access import access_campaign, access_product
from portal.selectors.billing.orders import order_list
from portal.services.billing.campaigns import campaign_delete, campaign_update
from portal.services.billing.products import product_delete, product_update
from portal.services.billing.signup import CampaignCodeRejected, CheckoutInvalid, campaign_for_code, checkout_place
from portal.services.billing.tenants import EmailTaken
from tests.factories.accounts import PASSWORD, make_campaign, make_checkout, make_product, make_tenant, stored_items

TODAY = utcnow().date()


def test_checkout_creates_an_unvalidated_tenant_its_owner_and_the_order(ddb):
    product = make_product(name="Agency", price=Decimal("49.00"))
    tenant, owner, order = make_checkout(email="Buyer@Shop.example", organization="Shop Ltd", product_id=product.id)
    assert tenant.status == UNVALIDATED and tenant.email == "buyer@shop.example" and tenant.productId == product.id
    stored_owner = PortalUser.lookup_for_login("buyer@shop.example")
    assert stored_owner.role == OWNER and stored_owner.tenantId == tenant.id
    assert check_password(PASSWORD, stored_owner.passwordHash)
    [stored] = order_list(tenant_id=tenant.id).items
    assert stored.id == order.id and stored.price == Decimal("49.00") and stored.currency == "EUR"
    assert stored.productSnapshot["name"] == "Agency" and stored.campaignSnapshot is None


def test_checkout_sends_the_verification_email(ddb):
    tenant, _, _ = make_checkout(email="verify-me@shop.example")
    [message] = mail.outbox
    assert message.to == ["verify-me@shop.example"] and "/verify/" in message.body


def test_campaign_price_is_computed_by_the_server_half_up(ddb):
    product = make_product(price=Decimal("10.05"))
    campaign = make_campaign(product=product, code="HALF", discount_percent=50)
    _, _, order = make_checkout(product_id=product.id, campaign_code="half")
    assert order.price == Decimal("5.03")
    assert order.campaignSnapshot["code"] == campaign.code and order.campaignSnapshot["discountPercent"] == 50


def test_a_later_price_or_campaign_change_does_not_alter_the_order(ddb):
    product = make_product(name="Pro", price=Decimal("80.00"))
    campaign = make_campaign(product=product, code="SPRING", discount_percent=25)
    tenant, _, _ = make_checkout(product_id=product.id, campaign_code="SPRING")
    product_update(actor="staff", product=access_product(product_id=product.id), version=product.version, name="Pro 2",
                   price=Decimal("99.00"),
                   currency="EUR", billing_cycle="MONTHLY", description="", features=[], monthly_submissions=1,
                   max_destinations=1, max_sites=1, retention_days=1)
    campaign_update(actor="staff", campaign=access_campaign(code="SPRING"), version=campaign.version, name="",
                    product_id=product.id,
                    discount_percent=90, from_date=TODAY, to_date=TODAY)
    [order] = order_list(tenant_id=tenant.id).items
    assert order.price == Decimal("60.00")
    assert order.productSnapshot["name"] == "Pro" and order.productSnapshot["price"] == "80.00"
    assert order.campaignSnapshot["discountPercent"] == 25


def _codes():
    product, other = make_product(name="Basic"), make_product(name="Premium")
    make_campaign(product=product, code="EXPIRED", from_date=TODAY - timedelta(days=10),
                  to_date=TODAY - timedelta(days=1))
    make_campaign(product=product, code="LATER", from_date=TODAY + timedelta(days=1), to_date=TODAY + timedelta(days=9))
    make_campaign(product=product, code="GONE")
    campaign_delete(actor="staff", campaign=access_campaign(code="GONE"))
    make_campaign(product=other, code="OTHER")
    return product


def test_each_unusable_code_gets_its_own_message_and_checkout_writes_nothing(ddb):
    product = _codes()
    before = stored_items()
    messages = {}
    for code in ["NOPE", "EXPIRED", "LATER", "GONE", "OTHER"]:
        with pytest.raises(CampaignCodeRejected) as refused:
            checkout_place(email="x@y.example", password=PASSWORD, organization="X", product_id=product.id,
                           campaign_code=code)
        assert refused.value.field == "campaign_code"
        messages[code] = str(refused.value)
    assert "no campaign with the code NOPE" in messages["NOPE"]
    assert "ended on" in messages["EXPIRED"]
    assert "cannot be used yet" in messages["LATER"]
    assert "withdrawn" in messages["GONE"]
    assert "for the Premium plan, not for Basic" in messages["OTHER"]
    assert stored_items() == before and mail.outbox == []


def test_a_code_for_a_product_no_longer_sold_is_refused(ddb):
    product = make_product()
    make_campaign(product=product, code="ORPHAN")
    product_delete(actor="staff", product=access_product(product_id=product.id))
    with pytest.raises(CampaignCodeRejected, match="no longer sold"):
        campaign_for_code(code="orphan")


def test_an_inactive_product_cannot_be_bought(ddb):
    product = make_product()
    product_delete(actor="staff", product=access_product(product_id=product.id))
    before = stored_items()
    with pytest.raises(CheckoutInvalid) as refused:
        make_checkout(product_id=product.id)
    assert refused.value.field == "product_id" and stored_items() == before


def test_an_email_already_used_by_a_tenant_or_a_user_is_refused_and_writes_nothing(ddb):
    make_tenant(email="taken@shop.example")
    product = make_product()
    before = stored_items()
    with pytest.raises(EmailTaken):
        make_checkout(email="TAKEN@shop.example", product_id=product.id)
    assert stored_items() == before and mail.outbox == []


def test_two_checkouts_with_the_same_email_at_the_same_moment_give_one_account(ddb):
    product = make_product()
    barrier, results = threading.Barrier(2), []

    def buy(organization):
        barrier.wait()
        try:
            results.append(checkout_place(email="race@shop.example", password=PASSWORD, organization=organization,
                                          product_id=product.id))
        except EmailTaken as taken:
            results.append(taken)

    threads = [threading.Thread(target=buy, args=(name,)) for name in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, EmailTaken)]
    created = [r for r in results if not isinstance(r, EmailTaken)]
    assert len(created) == 1 and len(errors) == 1
    assert "already used" in str(errors[0])
    items = stored_items()
    tenant_items = [i for i in items["tenants"] if i["sk"]["S"] == "METADATA"]
    assert len(tenant_items) == 1
    assert len(items["users"]) == 1 and len(items["orders"]) == 1
    assert Order.in_tenant(created[0][0].id).get_or_none(Order.partition_for(created[0][0].id),
                                                         Order.sort_for(created[0][2].id)) is not None
