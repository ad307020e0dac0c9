"""Writes of a site's browser-post protection (issue 10): the CAPTCHA provider, its keys and
minimum score, and the daily cap of browser posts that may count against the monthly quota.
The provider's secret is encrypted at rest like destination secrets and never shown again."""
from __future__ import annotations

from portal.crypto import field_encrypt
from portal.dynamo.base import save_versioned
from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.errors import FieldErrors, ServiceError
from portal.services.compliance.audit import audit_record
from portal.services.ingest.captcha import NONE, PROVIDERS, RECAPTCHA_V3


def site_protection_public_dict(site: Site) -> dict:
    """What the audit trail keeps: never the secret."""
    return {"captchaProvider": site.captchaProvider, "captchaSiteKey": site.captchaSiteKey,
            "captchaSecretSet": bool(site.captchaSecretEncrypted), "captchaMinScore": float(site.captchaMinScore),
            "browserDailyCap": None if site.browserDailyCap is None else int(site.browserDailyCap)}


def site_protection_update(*, tenant: Tenant, actor: str, site: Site, captcha_provider: str, captcha_site_key: str,
                           captcha_secret: str, captcha_min_score: float, browser_daily_cap: int | None) -> Site:
    """A blank secret keeps the stored one; choosing a provider needs a site key and a secret."""
    if site.tenantId != tenant.id:
        raise ServiceError("Not your site.")
    if captcha_provider != NONE and captcha_provider not in PROVIDERS:
        raise FieldErrors(errors={"captcha_provider": ["Choose one of the listed providers."]})
    if captcha_provider != NONE:
        errors = {}
        if not captcha_site_key.strip():
            errors["captcha_site_key"] = ["Enter the provider's site key."]
        if not captcha_secret.strip() and not site.captchaSecretEncrypted:
            errors["captcha_secret"] = ["Enter the provider's secret key."]
        if errors:
            raise FieldErrors(errors=errors)
    before = site_protection_public_dict(site)
    site.captchaProvider = captcha_provider
    site.captchaSiteKey = captcha_site_key.strip() if captcha_provider != NONE else ""
    if captcha_provider == NONE:
        site.captchaSecretEncrypted = None
    elif captcha_secret.strip():
        site.captchaSecretEncrypted = field_encrypt(captcha_secret.strip())
    site.captchaMinScore = captcha_min_score if captcha_provider == RECAPTCHA_V3 else 0.5
    site.browserDailyCap = browser_daily_cap
    site.touch(actor)
    save_versioned(site)
    audit_record(tenant_id=tenant.id, actor=actor, action="site.protection", target_type="site", target_id=site.id,
                 before=before, after=site_protection_public_dict(site))
    return site
