"""Tenant API tokens for the read/action API (/api/v1/...): `fbt_` + 43 random URL-safe
characters, stored as a SHA-256 with a short display prefix (shown once, like site keys),
each with scopes. Site keys (fbk_) stay ingest-only: they never authenticate here."""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings

from portal.dynamo.api_tokens import ApiToken
from portal.dynamo.base import new_id, save_new, save_versioned, utcnow
from portal.dynamo.tenants import Tenant
from portal.errors import NotFound, ServiceError
from portal.selectors.api import api_token_list
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.compliance.audit import audit_record
from portal.services.ingest.store import ingest_rate_check

TOKEN_PREFIX = "fbt_"
DISPLAY_LENGTH = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)
SUBMISSIONS_READ, SUBMISSIONS_WRITE, DESTINATIONS_READ = "submissions:read", "submissions:write", "destinations:read"
SCOPES = {
    SUBMISSIONS_READ: "List and read submissions, their files and delivery attempts.",
    SUBMISSIONS_WRITE: "Re-send, mark as spam and delete submissions.",
    DESTINATIONS_READ: "List destinations and their health.",
}
MAX_TOKENS = 50  # per tenant: the list page and the index partition stay small


class TokenRefused(ServiceError):
    """Missing, malformed, unknown or revoked token: one answer for all."""


class ScopeMissing(ServiceError):
    def __init__(self, scope: str):
        super().__init__(f"This token lacks the {scope} scope. Create a token with it in the portal (API tokens).")
        self.scope = scope


class TenantReadOnly(ServiceError):
    def __init__(self):
        super().__init__("This account is suspended: the API is read-only.")


def api_token_public_dict(token: ApiToken) -> dict:
    return {"id": token.id, "displayPrefix": token.displayPrefix, "label": token.label, "scopes": list(token.scopes),
            "active": token.active, "revokedAt": token.revokedAt.isoformat() if token.revokedAt else None}


def api_token_create(*, tenant: Tenant, actor: str, label: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token; returns (stored token, the raw token to show once)."""
    chosen = sorted(set(scopes))
    if not chosen or any(scope not in SCOPES for scope in chosen):
        raise ServiceError(f"Choose at least one scope of: {', '.join(SCOPES)}.")
    if len([t for t in api_token_list(tenant_id=tenant.id) if t.active]) >= MAX_TOKENS:
        raise ServiceError(f"At most {MAX_TOKENS} active tokens: revoke one you no longer use.")
    while True:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.in_tenant(tenant.id).new(
            id=new_id(), tokenHash=ApiToken.hash_token(raw), displayPrefix=raw[:DISPLAY_LENGTH],
            label=(label or "").strip()[:100], scopes=chosen, lastUpdatedBy=actor)
        if save_new(token):  # a 256-bit collision never happens in practice, but never overwrite a token
            break
    audit_record(tenant_id=tenant.id, actor=actor, action="api_token.create", target_type="api_token",
                 target_id=token.id, after=api_token_public_dict(token))
    return token, raw


def api_token_revoke(*, tenant: Tenant, actor: str, token: ApiToken) -> ApiToken:
    if token.tenantId != tenant.id:
        raise NotFound("No such API token.")
    if token.revokedAt is not None:
        return token
    before = api_token_public_dict(token)
    token.revokedAt, token.active = utcnow(), False
    token.touch(actor)
    save_versioned(token)
    audit_record(tenant_id=tenant.id, actor=actor, action="api_token.revoke", target_type="api_token",
                 target_id=token.id, before=before, after=api_token_public_dict(token))
    return token


def api_token_authenticate(*, authorization: str | None, scope: str, write: bool = False) -> tuple[ApiToken, Tenant]:
    """The token and tenant of `Authorization: Bearer fbt_...`, checked for `scope` and rate
    limited per token. Missing, malformed, unknown and revoked tokens all raise TokenRefused;
    a valid token without the scope raises ScopeMissing."""
    scheme, _, raw = (authorization or "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        raise TokenRefused("Send a valid API token as `Authorization: Bearer fbt_...`: the token is missing, "
                           "unknown or revoked. Site keys (fbk_) only send submissions.")
    token = ApiToken.lookup_by_raw_token(raw)
    tenant = tenant_get_or_none(tenant_id=token.tenantId) if token is not None else None
    if token is None or not token.active or token.revokedAt is not None or tenant is None or not tenant.active:
        raise TokenRefused("Send a valid API token as `Authorization: Bearer fbt_...`: the token is missing, "
                           "unknown or revoked. Site keys (fbk_) only send submissions.")
    ingest_rate_check(subject=f"token:{token.id}", limit=settings.API_RATE_LIMIT,
                      window=settings.API_RATE_WINDOW_SECONDS, per="API token")
    if scope not in token.scopes:
        raise ScopeMissing(scope)
    if write and tenant.read_only:
        raise TenantReadOnly()
    now = utcnow()
    if token.lastUsedAt is None or token.lastUsedAt < now - LAST_USED_RESOLUTION:
        ApiToken.touch_last_used(token.tokenHash, now=now, min_interval=LAST_USED_RESOLUTION)
    return token, tenant
