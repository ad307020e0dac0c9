"""Password reset by e-mail: a signed, expiring token that works once.

Like invitations, the token carries a digest of the password hash the user had when it was
issued, so setting a new password spends it (and every session of the user ends, because
sessions are bound to the hash too). Asking for a reset answers the same whether or not the
e-mail has an account."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal.dynamo.users import PortalUser
from portal.errors import ServiceError
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.accounts import throttle
from portal.services.compliance.audit import audit_record
from portal.services.accounts.password_links import password_link_spend, password_link_token, password_link_user

RESET_MAX_AGE = timedelta(hours=2)
REQUEST_LIMIT, REQUEST_WINDOW_SECONDS = 3, 60 * 60
_PURPOSE = "password-reset"


class ResetInvalid(ServiceError):
    def __init__(self, message: str = "This reset link is invalid, has expired or has already been used. "
                                      "Ask for a new one."):
        super().__init__(message)


def password_reset_token(*, user: PortalUser) -> str:
    return password_link_token(user=user, purpose=_PURPOSE)


def _user_may_reset(user: PortalUser | None) -> bool:
    if user is None or not user.active:
        return False
    tenant = tenant_get_or_none(tenant_id=user.tenantId)
    return tenant is not None and tenant.active


def password_reset_request(*, email: str, ip: str | None = None) -> None:
    """Send a reset link if the e-mail belongs to an active user. Returns nothing either way,
    and sends at most REQUEST_LIMIT links an hour per e-mail address and handles at most
    PASSWORD_RESET_MAX_PER_ADDRESS requests an hour per client address (`ip`)."""
    email = (email or "").strip().lower()
    if ip is not None and not throttle.throttle_take(scope="password-reset-ip", subject=ip,
                                                     limit=settings.PASSWORD_RESET_MAX_PER_ADDRESS,
                                                     window_seconds=REQUEST_WINDOW_SECONDS):
        return
    if not throttle.throttle_take(scope="password-reset", subject=email, limit=REQUEST_LIMIT,
                                  window_seconds=REQUEST_WINDOW_SECONDS):
        return
    user = PortalUser.lookup_for_login(email)
    if not _user_may_reset(user):
        return
    link = settings.SITE_URL + reverse("portal:password_reset_confirm",
                                       kwargs={"token": password_reset_token(user=user)})
    hours = int(RESET_MAX_AGE.total_seconds() // 3600)
    send_mail(
        subject="Reset your Form-Bridge password",
        message=render_to_string("emails/reset_password.txt", {"link": link, "hours": hours}),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email],
    )
    audit_record(tenant_id=user.tenantId, actor=user.email, action="user.password_reset_request",
                 target_type="user", target_id=user.email)


def password_reset_user(*, token: str) -> PortalUser:
    """The user the token belongs to, or ResetInvalid."""
    user = password_link_user(token=token, purpose=_PURPOSE, max_age=RESET_MAX_AGE)
    if user is None:
        raise ResetInvalid()
    return user


def password_reset_confirm(*, token: str, password: str) -> PortalUser:
    user = password_link_spend(user=password_reset_user(token=token), password=password)
    throttle.throttle_clear(scope="login-email", subject=user.email)
    audit_record(tenant_id=user.tenantId, actor=user.email, action="user.password_reset",
                 target_type="user", target_id=user.email)
    return user
