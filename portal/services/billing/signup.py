"""Pricing quotes and checkout. The server decides the price: a quote is computed from the
stored product and campaign, at page view and again at checkout; the form never carries it.

Checkout writes the tenant (UNVALIDATED), the EMAIL# guard, the OWNER user and the order in
one DynamoDB transaction, so two checkouts with the same e-mail give one account."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from pynamodb.exceptions import TransactWriteError

from portal.dynamo.base import utcnow
from portal.dynamo.campaigns import Campaign
from portal.dynamo.orders import Order
from portal.dynamo.products import Product
from portal.dynamo.tenants import UNVALIDATED, Tenant
from portal.dynamo.users import OWNER, PortalUser
from portal.errors import FieldErrors
from portal.selectors.billing.campaigns import DELETED, EXPIRED, SCHEDULED, campaign_state, discounted_price
from portal.selectors.billing.products import product_get_or_none
from portal.services.accounts import throttle
from portal.services.compliance.audit import audit_record
from portal.services.billing.campaigns import campaign_code_normalize
from portal.services.billing.orders import order_build
from portal.services.billing.tenants import EmailTaken, tenant_create
from portal.services.accounts.users import portal_user_build
from portal.services.accounts.verification import verification_send

CONFLICT_RETRIES = 3


class CheckoutInvalid(FieldErrors):
    """A rule refused the checkout; `field` names the form field to blame."""


class CampaignCodeRejected(CheckoutInvalid):
    def __init__(self, message: str):
        super().__init__(message, field="campaign_code")


@dataclass
class Quote:
    product: Product
    campaign: Campaign | None
    list_price: Decimal
    price: Decimal

    @property
    def discounted(self) -> bool:
        return self.campaign is not None


def _fmt(day: str) -> str:
    return date.fromisoformat(day).strftime("%d %B %Y").lstrip("0")


def campaign_for_code(*, code: str, today: date | None = None) -> Campaign:
    """The live campaign with this code, or CampaignCodeRejected saying exactly why not."""
    code = campaign_code_normalize(code)
    campaign = Campaign.by_code(code)
    if campaign is None:
        raise CampaignCodeRejected(f"There is no campaign with the code {code}. Check the spelling.")
    state = campaign_state(campaign=campaign, today=today or utcnow().date())
    if state == DELETED:
        raise CampaignCodeRejected(f"The campaign {code} has been withdrawn and can no longer be used.")
    if state == EXPIRED:
        raise CampaignCodeRejected(f"The campaign {code} ended on {_fmt(campaign.toDate)}.")
    if state == SCHEDULED:
        raise CampaignCodeRejected(f"The campaign {code} starts on {_fmt(campaign.fromDate)}; it cannot be used yet.")
    product = product_get_or_none(product_id=campaign.productId)
    if product is None or not product.active:
        raise CampaignCodeRejected(f"The campaign {code} is for a plan that is no longer sold.")
    return campaign


def price_quote(*, product_id: str, campaign_code: str | None = None, today: date | None = None) -> Quote:
    """What this product costs with this code today, or CheckoutInvalid."""
    product = product_get_or_none(product_id=product_id)
    if product is None or not product.active:
        raise CheckoutInvalid("Choose one of the plans on offer.", field="product_id")
    list_price = Decimal(product.price)
    if not (campaign_code or "").strip():
        return Quote(product=product, campaign=None, list_price=list_price, price=list_price)
    campaign = campaign_for_code(code=campaign_code, today=today)
    if campaign.productId != product.id:
        other = product_get_or_none(product_id=campaign.productId)
        raise CampaignCodeRejected(f"The code {campaign.code} is for the {other.name} plan, not for {product.name}.")
    return Quote(product=product, campaign=campaign, list_price=list_price,
                 price=discounted_price(price=list_price, discount_percent=campaign.discountPercent))


def _is_transaction_conflict(error: TransactWriteError) -> bool:
    return any(r is not None and r.code == "TransactionConflict" for r in (error.cancellation_reasons or []))


SIGNUP_WINDOW_SECONDS = 60 * 60
SIGNUP_THROTTLED = "Too many sign-ups from your network in the last hour. Try again later."


def checkout_place(*, email: str, password: str, organization: str, product_id: str,
                   campaign_code: str | None = None, today: date | None = None,
                   ip: str | None = None) -> tuple[Tenant, PortalUser, Order]:
    """Create the tenant, its owner and the order in one transaction, then send the
    verification e-mail. Raises CheckoutInvalid or EmailTaken and writes nothing. A client
    address (`ip`) may place at most SIGNUP_MAX_PER_ADDRESS checkouts an hour."""
    quote = price_quote(product_id=product_id, campaign_code=campaign_code, today=today)
    if ip is not None and not throttle.throttle_take(scope="signup-ip", subject=ip, limit=settings.SIGNUP_MAX_PER_ADDRESS,
                                                     window_seconds=SIGNUP_WINDOW_SECONDS):
        raise CheckoutInvalid(SIGNUP_THROTTLED)
    email = email.strip().lower()
    created: dict = {}

    def owner_and_order(transaction, tenant):
        owner = portal_user_build(tenant_id=tenant.id, email=email, password=password, role=OWNER, actor=email)
        order = order_build(tenant_id=tenant.id, product=quote.product, campaign=quote.campaign, price=quote.price)
        # A user item with this e-mail (e.g. another tenant's member) also makes the e-mail taken.
        transaction.save(owner, condition=PortalUser.pk.does_not_exist())
        transaction.save(order, condition=Order.pk.does_not_exist())
        created.update(owner=owner, order=order)

    for attempt in range(CONFLICT_RETRIES):
        try:
            tenant = tenant_create(email=email, organization=organization, actor=email, product_id=quote.product.id,
                                   campaign_code=quote.campaign.code if quote.campaign else None,
                                   status=UNVALIDATED, extra_writes=owner_and_order)
            break
        except TransactWriteError as error:
            # Two transactions on the same guard at the same moment: DynamoDB cancels one with
            # TransactionConflict; retrying turns it into the clear "e-mail taken" answer.
            if not _is_transaction_conflict(error) or attempt == CONFLICT_RETRIES - 1:
                raise
    owner, order = created["owner"], created["order"]
    audit_record(tenant_id=tenant.id, actor=email, action="order.place", target_type="order", target_id=order.id,
                 after={"product": quote.product.id, "campaign": quote.campaign.code if quote.campaign else None,
                        "price": str(order.price), "currency": order.currency})
    verification_send(tenant=tenant)
    return tenant, owner, order


SIGNUP_NOTICE_LIMIT = 3  # "someone tried to sign up with your address" e-mails per address an hour


def signup_taken_notice(*, email: str) -> None:
    """Checkout with an address that already has an account answers like any checkout ("check
    your inbox") and tells the address's owner instead, so the page never reveals that an
    account exists. At most SIGNUP_NOTICE_LIMIT such e-mails an hour per address."""
    email = email.strip().lower()
    if not throttle.throttle_take(scope="signup-taken-notice", subject=email, limit=SIGNUP_NOTICE_LIMIT,
                                  window_seconds=SIGNUP_WINDOW_SECONDS):
        return
    context = {"login_link": settings.SITE_URL + reverse("portal:login"),
               "reset_link": settings.SITE_URL + reverse("portal:password_reset")}
    send_mail(subject="Someone tried to sign up with your e-mail address",
              message=render_to_string("emails/signup_existing_account.txt", context),
              from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[email])


__all__ = ["CampaignCodeRejected", "CheckoutInvalid", "EmailTaken", "Quote", "campaign_for_code",
           "checkout_place", "price_quote", "signup_taken_notice"]
