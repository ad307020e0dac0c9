"""Tenant-user authentication: login with throttling, logout, password change.

The session stores the user's e-mail and an HMAC of the current password hash, so a password
change invalidates every other session of that user without having to find them."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import PortalUser
from portal.errors import LoginRefused
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.accounts import throttle
from portal.services.compliance.audit import audit_record

SESSION_USER = "_portal_user"
SESSION_TENANT = "_portal_tenant"
SESSION_AUTH_HASH = "_portal_auth"
BAD_CREDENTIALS = "That e-mail and password do not match an account."
THROTTLED = "Too many failed sign-in attempts. Wait 15 minutes and try again."
# Checked against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = make_password("not-a-real-password")


def _auth_hash(user: PortalUser) -> str:
    return salted_hmac("portal.session", user.passwordHash, algorithm="sha256").hexdigest()


# Throttle scopes per sign-in kind: (per account, per client address). The code step of
# two-factor sign-in has its own, with the same limits.
PORTAL, STAFF = ("login-email", "login-ip"), ("staff-login-user", "staff-login-ip")
PORTAL_CODE, STAFF_CODE = ("2fa-email", "2fa-ip"), ("staff-2fa-user", "staff-2fa-ip")
SESSION_CODE_PENDING = "_portal_2fa_pending"
CODE_STEP_EXPIRED = "That sign-in took too long. Enter your e-mail and password again."


def sign_in_begin(*, kind: tuple[str, str], account: str, ip: str) -> None:
    """Reserve one attempt for this address or raise LoginRefused(THROTTLED).

    The per-address limit blocks: the attempt is counted before the password is checked, in
    one conditional write, so parallel guesses cannot exceed it. The per-account limit only
    slows (one attempt per LOGIN_SLOWDOWN_SECONDS once it is reached), so strangers guessing
    at an e-mail cannot lock its owner out for the whole window."""
    account_scope, ip_scope = kind
    limit, window = settings.LOGIN_MAX_FAILURES, settings.LOGIN_FAILURE_WINDOW_SECONDS
    if not throttle.throttle_take(scope=ip_scope, subject=ip, limit=limit, window_seconds=window):
        raise LoginRefused(THROTTLED)
    if throttle.throttle_is_blocked(scope=account_scope, subject=account, limit=limit, window_seconds=window) and \
            not throttle.throttle_take(scope=f"{account_scope}-slow", subject=account, limit=1,
                                       window_seconds=settings.LOGIN_SLOWDOWN_SECONDS):
        throttle.throttle_give_back(scope=ip_scope, subject=ip, window_seconds=window)  # no password was checked
        raise LoginRefused(THROTTLED)


def sign_in_failed(*, kind: tuple[str, str], account: str) -> None:
    throttle.throttle_record(scope=kind[0], subject=account, window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def sign_in_succeeded(*, kind: tuple[str, str], account: str, ip: str) -> None:
    throttle.throttle_give_back(scope=kind[1], subject=ip, window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    throttle.throttle_clear(scope=kind[0], subject=account)


def portal_authenticate(*, email: str, password: str, ip: str) -> tuple[PortalUser, Tenant]:
    """The user and tenant for valid credentials, or LoginRefused with a message to show."""
    email = email.strip().lower()
    sign_in_begin(kind=PORTAL, account=email, ip=ip)
    user = PortalUser.lookup_for_login(email)
    if user is None or not user.active:
        check_password(password, _DUMMY_HASH)
        sign_in_failed(kind=PORTAL, account=email)
        raise LoginRefused(BAD_CREDENTIALS)
    if not check_password(password, user.passwordHash):
        sign_in_failed(kind=PORTAL, account=email)
        raise LoginRefused(BAD_CREDENTIALS)
    sign_in_succeeded(kind=PORTAL, account=email, ip=ip)
    tenant = tenant_get_or_none(tenant_id=user.tenantId)
    if tenant is None or not tenant.active:
        raise LoginRefused("This account has been closed. Contact support if this is unexpected.")
    # A suspended tenant's users may sign in: the portal is read-only for them, with a banner
    # saying why (portal.decorators.tenant_required refuses every write).
    return user, tenant


def portal_login(*, request, user: PortalUser) -> None:
    # A new session key at login defeats session fixation.
    request.session.cycle_key()
    request.session[SESSION_USER] = user.email
    request.session[SESSION_TENANT] = user.tenantId
    request.session[SESSION_AUTH_HASH] = _auth_hash(user)


def portal_sign_in_next_step(*, request, user: PortalUser, tenant: Tenant) -> str:
    """After a correct password: "done" (signed in) or "code" (the session now holds a
    short-lived "password ok" marker, not a login, and the code step must follow)."""
    from portal.services.accounts.two_factor import pending_marker, user_two_factor_enabled

    if not user_two_factor_enabled(user):
        # A team that requires 2FA sends this user to enrol first (decorators.tenant_required).
        portal_login(request=request, user=user)
        return "done"
    request.session.cycle_key()
    request.session[SESSION_CODE_PENDING] = pending_marker(subject={"email": user.email, "auth": _auth_hash(user)})
    return "code"


def portal_code_pending_user(session) -> PortalUser | None:
    """The user whose password was accepted a moment ago, while the marker is fresh and the
    password unchanged; None otherwise."""
    from portal.services.accounts.two_factor import pending_marker_valid

    marker = session.get(SESSION_CODE_PENDING)
    if not pending_marker_valid(marker):
        return None
    user = PortalUser.lookup_for_login(marker.get("email", ""))
    if user is None or not user.active or not constant_time_compare(marker.get("auth", ""), _auth_hash(user)):
        return None
    return user


CODE_DAY_SECONDS = 24 * 60 * 60
CODES_STOPPED = ("Too many wrong codes for this account today, so codes from the app are not accepted until "
                 "the day ends (UTC). Sign in with one of your recovery codes, or reset your password.")


def _code_day_subject(account: str, password_hash: str) -> str:
    # Bound to the password as well: a new password (the owner's reset) starts a fresh count,
    # while whoever guesses keeps facing the old one only as long as the old password works.
    return f"{account}#{salted_hmac('portal.2fa-day', password_hash, algorithm='sha256').hexdigest()[:16]}"


def code_step_check(*, kind: tuple[str, str], account: str, ip: str, password_hash: str, accept,
                    on_bound_reached) -> str:
    """The two-factor code step shared by tenant users and staff; returns "totp" or "recovery",
    or raises LoginRefused.

    Throttled like the password (per address blocks, per account slows), and bounded: at most
    TWO_FACTOR_MAX_FAILURES_PER_DAY wrong codes per account and UTC day. Each code reserves one
    of them first (one conditional write, so parallel guesses cannot exceed it) and gives it
    back when right. Past the bound `accept(recovery_only=True)` takes only recovery codes
    (50 bits each: not guessable); one of them, or a new password, ends it.
    `on_bound_reached(until)` runs once per account and day, when the bound is reached."""
    from portal.services.accounts.two_factor import BAD_CODE

    sign_in_begin(kind=kind, account=account, ip=ip)
    scope, subject = f"{kind[0]}-day", _code_day_subject(account, password_hash)
    limit = settings.TWO_FACTOR_MAX_FAILURES_PER_DAY
    reserved = throttle.throttle_take(scope=scope, subject=subject, limit=limit, window_seconds=CODE_DAY_SECONDS)
    used = accept(recovery_only=not reserved)
    if used is None:
        sign_in_failed(kind=kind, account=account)
        if not reserved:
            raise LoginRefused(CODES_STOPPED)
        if throttle.throttle_is_blocked(scope=scope, subject=subject, limit=limit, window_seconds=CODE_DAY_SECONDS):
            if throttle.throttle_first_time(scope=scope, subject=subject, window_seconds=CODE_DAY_SECONDS):
                on_bound_reached(throttle.throttle_window_end(window_seconds=CODE_DAY_SECONDS))
            raise LoginRefused(CODES_STOPPED)
        raise LoginRefused(BAD_CODE)
    sign_in_succeeded(kind=kind, account=account, ip=ip)
    if used == "recovery":
        throttle.throttle_clear(scope=scope, subject=subject)
    elif reserved:
        throttle.throttle_give_back(scope=scope, subject=subject, window_seconds=CODE_DAY_SECONDS)
    return used


def code_bound_email(*, to: str, until, reset_hint: str) -> None:
    """Tell an account's owner that someone who has their password keeps sending wrong codes."""
    send_mail(
        subject="Form-Bridge: sign-in codes stopped for your account",
        message=render_to_string("emails/two_factor_bound.txt", {
            "limit": settings.TWO_FACTOR_MAX_FAILURES_PER_DAY, "until": until, "reset_hint": reset_hint}),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[to],
    )


def _portal_bound_reached(user: PortalUser, until) -> None:
    audit_record(tenant_id=user.tenantId, actor=user.email, action="user.2fa_daily_bound_reached",
                 target_type="user", target_id=user.email)
    link = settings.SITE_URL + reverse("portal:password_reset")
    code_bound_email(to=user.email, until=until, reset_hint=f"Reset your password here: {link}")


def portal_code_sign_in(*, request, code: str, ip: str) -> PortalUser:
    """The code step: an authenticator or recovery code turns the marker into a login
    (code_step_check says how it is throttled and bounded)."""
    from portal.services.accounts.two_factor import user_code_accept

    user = portal_code_pending_user(request.session)
    if user is None:
        raise LoginRefused(CODE_STEP_EXPIRED)
    code_step_check(kind=PORTAL_CODE, account=user.email, ip=ip, password_hash=user.passwordHash,
                    accept=lambda recovery_only: user_code_accept(user=user, code=code, recovery_only=recovery_only),
                    on_bound_reached=lambda until: _portal_bound_reached(user, until))
    request.session.pop(SESSION_CODE_PENDING, None)
    portal_login(request=request, user=user)
    return user


def portal_logout(*, request) -> None:
    request.session.flush()


def portal_user_from_session(session) -> tuple[PortalUser, Tenant] | None:
    """The signed-in user and tenant, or None when the session is absent, stale (password
    changed elsewhere) or the account has been closed."""
    email, tenant_id, auth = session.get(SESSION_USER), session.get(SESSION_TENANT), session.get(SESSION_AUTH_HASH)
    if not (email and tenant_id and auth):
        return None
    user = PortalUser.lookup_for_login(email)
    if user is None or not user.active or user.tenantId != tenant_id:
        return None
    if not constant_time_compare(auth, _auth_hash(user)):
        return None
    tenant = tenant_get_or_none(tenant_id=tenant_id)
    if tenant is None or not tenant.active:
        return None
    return user, tenant


def portal_password_change(*, request, user: PortalUser, old_password: str, new_password: str) -> None:
    if not check_password(old_password, user.passwordHash):
        raise LoginRefused("Your current password is not correct.")
    user.passwordHash = make_password(new_password)
    user.touch(user.email)
    save_versioned(user)
    # Keep this session; every other session of the user now fails the hash check.
    request.session[SESSION_AUTH_HASH] = _auth_hash(user)
    audit_record(tenant_id=user.tenantId, actor=user.email, action="user.password_change",
                 target_type="user", target_id=user.email)
