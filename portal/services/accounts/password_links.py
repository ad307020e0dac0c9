"""Signed, expiring links that let a user set a password once: invitations and password
resets. The token carries a digest of the password hash the user had when it was issued, so
setting a password spends every earlier link (and ends the user's sessions, which are bound to
the hash too)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core import signing

from portal.dynamo.base import save_versioned, utcnow
from portal.dynamo.users import PortalUser
from portal.selectors.billing.tenants import tenant_get_or_none


def _password_digest(user: PortalUser) -> str:
    return hashlib.sha256(user.passwordHash.encode()).hexdigest()[:16]


def password_link_token(*, user: PortalUser, purpose: str) -> str:
    return signing.dumps({"e": user.email, "h": _password_digest(user)}, salt=f"formbridge.{purpose}")


def password_link_user(*, token: str, purpose: str, max_age: timedelta) -> PortalUser | None:
    """The active user of an active tenant the link was made for; None when the link is
    forged, expired or spent."""
    try:
        data = signing.loads(token, salt=f"formbridge.{purpose}", max_age=max_age)
    except signing.BadSignature:
        return None
    user = PortalUser.lookup_for_login(data.get("e", ""))
    if user is None or not user.active or _password_digest(user) != data.get("h"):
        return None
    tenant = tenant_get_or_none(tenant_id=user.tenantId)
    return user if tenant is not None and tenant.active else None


def password_link_spend(*, user: PortalUser, password: str) -> PortalUser:
    """Set the password (which spends the link); following the e-mailed link proves the address."""
    user.passwordHash = make_password(password)
    user.emailVerifiedAt = user.emailVerifiedAt or utcnow()
    user.touch(user.email)
    save_versioned(user)
    return user
