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


# Throttle scopes per sign-in kind: (per account, per client address).
PORTAL, STAFF = ("login-email", "login-ip"), ("staff-login-user", "staff-login-ip")


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
