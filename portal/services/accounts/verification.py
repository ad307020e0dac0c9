"""E-mail verification: a signed, expiring link moves an UNVALIDATED tenant to VALIDATED.

The token names the tenant and the e-mail it was sent to, so a link sent before an e-mail
change no longer confirms anything. Re-sending is throttled per tenant."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal.dynamo.base import save_versioned, utcnow
from portal.dynamo.tenants import SUSPENDED, UNVALIDATED, VALIDATED, Tenant
from portal.dynamo.users import PortalUser
from portal.errors import ServiceError
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.accounts import throttle
from portal.services.compliance.audit import audit_record
from portal.services.billing.onboarding import onboarding_email_confirmed
from portal.services.billing.tenants import tenant_status_change

VERIFICATION_MAX_AGE = timedelta(days=3)
RESEND_LIMIT, RESEND_WINDOW_SECONDS = 3, 60 * 60
_SALT = "formbridge.verify-email"


class VerificationInvalid(ServiceError):
    def __init__(self, message: str = "This confirmation link is invalid or has expired. Sign in and ask for a new one."):
        super().__init__(message)


class VerificationThrottled(ServiceError):
    def __init__(self):
        super().__init__("We have already sent several confirmation e-mails in the last hour. "
                         "Check your inbox (and spam folder), or try again later.")


class AlreadyConfirmed(ServiceError):
    def __init__(self):
        super().__init__("Your e-mail address is already confirmed.")


def verification_token(*, tenant: Tenant) -> str:
    return signing.dumps({"t": tenant.id, "e": tenant.email}, salt=_SALT)


def verification_link(*, tenant: Tenant) -> str:
    return settings.SITE_URL + reverse("portal:verify_email", kwargs={"token": verification_token(tenant=tenant)})


def verification_send(*, tenant: Tenant) -> None:
    """E-mail the confirmation link to the tenant's address (checkout calls this directly)."""
    context = {"tenant": tenant, "link": verification_link(tenant=tenant), "days": VERIFICATION_MAX_AGE.days}
    send_mail(
        subject="Confirm your e-mail address for Form-Bridge",
        message=render_to_string("emails/verify_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[tenant.email],
    )


def verification_resend(*, tenant: Tenant, actor: str) -> None:
    """Send the link again, at most RESEND_LIMIT times an hour per tenant."""
    if tenant.status != UNVALIDATED:
        raise AlreadyConfirmed()
    if not throttle.throttle_take(scope="verify-resend", subject=tenant.id, limit=RESEND_LIMIT,
                                  window_seconds=RESEND_WINDOW_SECONDS):
        raise VerificationThrottled()
    verification_send(tenant=tenant)
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.verification_resend",
                 target_type="tenant", target_id=tenant.id)


def verification_confirm(*, token: str) -> Tenant:
    """Confirm the e-mail the token was sent to. Confirming twice is harmless."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=VERIFICATION_MAX_AGE)
    except signing.BadSignature as error:
        raise VerificationInvalid() from error
    tenant = tenant_get_or_none(tenant_id=data.get("t", ""))
    if tenant is None or not tenant.active or tenant.email != data.get("e"):
        raise VerificationInvalid()
    if tenant.status == SUSPENDED:
        raise VerificationInvalid("Your organization's account is suspended; the e-mail cannot be confirmed now.")
    if tenant.status != UNVALIDATED:
        return tenant
    tenant = tenant_status_change(tenant=tenant, actor=tenant.email, version=tenant.version, to_status=VALIDATED)
    _mark_owner_verified(tenant)
    return onboarding_email_confirmed(tenant=tenant, actor=tenant.email)


def _mark_owner_verified(tenant: Tenant) -> None:
    user = PortalUser.of_tenant(tenant.id, tenant.email)
    if user is not None and user.emailVerifiedAt is None:
        user.emailVerifiedAt = utcnow()
        user.touch(tenant.email)
        save_versioned(user)
