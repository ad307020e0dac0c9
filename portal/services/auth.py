"""Tenant-user authentication: login with throttling, logout, password change.

The session stores the user's e-mail and an HMAC of the current password hash, so a password
change invalidates every other session of that user without having to find them."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils.crypto import constant_time_compare, salted_hmac

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import PortalUser
from portal.errors import LoginRefused
from portal.selectors.tenants import tenant_get_or_none
from portal.services import throttle
from portal.services.audit import audit_record

SESSION_USER = "_portal_user"
SESSION_TENANT = "_portal_tenant"
SESSION_AUTH_HASH = "_portal_auth"
BAD_CREDENTIALS = "That e-mail and password do not match an account."
THROTTLED = "Too many failed sign-in attempts. Wait 15 minutes and try again."
# Checked against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = make_password("not-a-real-password")


def _auth_hash(user: PortalUser) -> str:
    return salted_hmac("portal.session", user.passwordHash, algorithm="sha256").hexdigest()


def login_is_throttled(*, email: str, ip: str) -> bool:
    limit, window = settings.LOGIN_MAX_FAILURES, settings.LOGIN_FAILURE_WINDOW_SECONDS
    return throttle.throttle_is_blocked(scope="login-email", subject=email, limit=limit, window_seconds=window) or \
        throttle.throttle_is_blocked(scope="login-ip", subject=ip, limit=limit, window_seconds=window)


def login_failure_record(*, email: str, ip: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    throttle.throttle_record(scope="login-email", subject=email, window_seconds=window)
    throttle.throttle_record(scope="login-ip", subject=ip, window_seconds=window)


def portal_authenticate(*, email: str, password: str, ip: str) -> tuple[PortalUser, Tenant]:
    """The user and tenant for valid credentials, or LoginRefused with a message to show."""
    email = email.strip().lower()
    if login_is_throttled(email=email, ip=ip):
        raise LoginRefused(THROTTLED)
    user = PortalUser.lookup_for_login(email)
    if user is None or not user.active:
        check_password(password, _DUMMY_HASH)
        login_failure_record(email=email, ip=ip)
        raise LoginRefused(BAD_CREDENTIALS)
    if not check_password(password, user.passwordHash):
        login_failure_record(email=email, ip=ip)
        raise LoginRefused(BAD_CREDENTIALS)
    tenant = tenant_get_or_none(tenant_id=user.tenantId)
    if tenant is None or not tenant.active:
        raise LoginRefused("This account has been closed. Contact support if this is unexpected.")
    # A suspended tenant's users may sign in: the portal is read-only for them, with a banner
    # saying why (portal.decorators.tenant_required refuses every write).
    throttle.throttle_clear(scope="login-email", subject=email)
    return user, tenant


def portal_login(*, request, user: PortalUser) -> None:
    # A new session key at login defeats session fixation.
    request.session.cycle_key()
    request.session[SESSION_USER] = user.email
    request.session[SESSION_TENANT] = user.tenantId
    request.session[SESSION_AUTH_HASH] = _auth_hash(user)


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
