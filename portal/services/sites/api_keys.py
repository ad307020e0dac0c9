"""Writes of API keys. A key is `fbk_` + 43 random URL-safe characters; only its SHA-256
and a short display prefix are stored, so the full key can be shown exactly once."""
from __future__ import annotations

import secrets
from datetime import timedelta

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.base import new_id, save_new, save_versioned, utcnow
from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.errors import ServiceError
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.ingest import cache as ingest_cache
from portal.services.compliance.audit import audit_record
from portal.services.billing.onboarding import require_validated

KEY_PREFIX = "fbk_"
DISPLAY_LENGTH = 12  # "fbk_" + 8 characters: enough to tell keys apart, useless to an attacker
LAST_USED_RESOLUTION = timedelta(minutes=1)
IMPORTED_KEY_MIN_LENGTH = 32  # secrets moved over from existing WordPress sites (import_sites)


class KeyRefused(ServiceError):
    """Missing, malformed, unknown or revoked key: one answer for all."""


class TenantBlocked(ServiceError):
    """The key (or site) is fine but its tenant is suspended or deleted."""

    def __init__(self, message: str = "This account is suspended or closed: submissions are not accepted."):
        super().__init__(message)


def api_key_public_dict(key: ApiKey) -> dict:
    return {"id": key.id, "siteId": key.siteId, "displayPrefix": key.displayPrefix, "label": key.label,
            "active": key.active, "revokedAt": key.revokedAt.isoformat() if key.revokedAt else None}


def api_key_create(*, tenant: Tenant, actor: str, site: Site, label: str = "") -> tuple[ApiKey, str]:
    """A new key for an active site of the tenant; returns (stored key, the raw key to show once)."""
    require_validated(tenant)  # an unconfirmed e-mail may look around but not send data yet
    if site.tenantId != tenant.id or not site.active:
        raise ServiceError("Keys can only be created for your active sites.")
    while True:
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey.in_tenant(tenant.id).new(
            id=new_id(), siteId=site.id, keyHash=ApiKey.hash_key_material(raw), displayPrefix=raw[:DISPLAY_LENGTH],
            label=(label or "").strip(), lastUpdatedBy=actor,
        )
        if save_new(key):  # a 256-bit collision never happens in practice, but never overwrite a key
            break
    audit_record(tenant_id=tenant.id, actor=actor, action="api_key.create", target_type="api_key",
                 target_id=key.id, after=api_key_public_dict(key))
    return key, raw


def api_key_import(*, tenant: Tenant, actor: str, site: Site, raw: str, label: str = "imported") -> ApiKey:
    """Keep a site's existing secret as its key (sites moved in keep working unchanged). The
    same secret already stored for this site is returned as it is; elsewhere it is refused."""
    require_validated(tenant)
    if site.tenantId != tenant.id or not site.active:
        raise ServiceError("Keys can only be created for your active sites.")
    if len(raw) < IMPORTED_KEY_MIN_LENGTH or len(raw) > 200 or not raw.isprintable() or " " in raw:
        raise ServiceError(f"An existing secret must be {IMPORTED_KEY_MIN_LENGTH}-200 printable characters without spaces.")
    existing = ApiKey.lookup_by_raw_key(raw)
    if existing is not None:
        if existing.tenantId == tenant.id and existing.siteId == site.id:
            return existing
        raise ServiceError("That secret is already the key of another site.")
    key = ApiKey.in_tenant(tenant.id).new(id=new_id(), siteId=site.id, keyHash=ApiKey.hash_key_material(raw),
                                          displayPrefix=raw[:8], label=label, lastUpdatedBy=actor)
    key.save(condition=ApiKey.pk.does_not_exist())
    audit_record(tenant_id=tenant.id, actor=actor, action="api_key.import", target_type="api_key",
                 target_id=key.id, after=api_key_public_dict(key))
    return key


def api_key_revoke(*, tenant: Tenant, actor: str, key: ApiKey) -> ApiKey:
    if key.tenantId != tenant.id:
        raise ServiceError("Not your key.")
    if key.revokedAt is not None:
        return key
    before = api_key_public_dict(key)
    key.revokedAt = utcnow()
    key.active = False
    key.touch(actor)
    save_versioned(key)
    ingest_cache.forget_key(key.keyHash)  # this process at once; others within INGEST_CACHE_SECONDS
    audit_record(tenant_id=tenant.id, actor=actor, action="api_key.revoke", target_type="api_key",
                 target_id=key.id, before=before, after=api_key_public_dict(key))
    return key


def api_key_authenticate(*, authorization: str | None, cached: bool = False) -> tuple[ApiKey, Tenant]:
    """The key and tenant of an `Authorization: Bearer fbk_...` header. Missing, malformed,
    unknown and revoked keys all raise the same KeyRefused. `cached` (ingest) may answer from
    copies up to INGEST_CACHE_SECONDS (<= 5 s) old: see portal.services.ingest.cache."""
    scheme, _, raw = (authorization or "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or len(raw) > 200 or not (
            raw.startswith(KEY_PREFIX) or len(raw) >= IMPORTED_KEY_MIN_LENGTH):
        raise KeyRefused()
    if cached:
        key = ingest_cache.cached(ingest_cache.keys, ApiKey.hash_key_material(raw), lambda: ApiKey.lookup_by_raw_key(raw))
    else:
        key = ApiKey.lookup_by_raw_key(raw)
    if key is None or not key.active or key.revokedAt is not None:
        raise KeyRefused()
    if cached:
        tenant = ingest_cache.cached(ingest_cache.tenants, key.tenantId,
                                     lambda: tenant_get_or_none(tenant_id=key.tenantId))
    else:
        tenant = tenant_get_or_none(tenant_id=key.tenantId)
    if tenant is None or not tenant.accepts_submissions:
        raise TenantBlocked()
    return key, tenant


def api_key_mark_used(*, key: ApiKey, now=None) -> None:
    """lastUsedAt at one-minute resolution: no write when the copy we hold is recent enough,
    and a conditional update otherwise, so a busy key costs at most one write per minute."""
    now = now or utcnow()
    if key.lastUsedAt is not None and key.lastUsedAt > now - LAST_USED_RESOLUTION:
        return
    ApiKey.touch_last_used(key.keyHash, now=now, min_interval=LAST_USED_RESOLUTION)
    # Written now, or by another process within the minute: either way the (cached) copy
    # need not ask again for a minute.
    key.lastUsedAt = now
