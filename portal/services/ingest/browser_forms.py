"""The rules of plain HTML forms posted by browsers to /f/{siteId}/{formId} (DESIGN section 6):
the post must come from a page of the site's own domain (a check, not authentication: anyone
can forge it), the site's domain must be verified (its tenant proved control of it, so a
domain claimed by someone else never collects its forms), the site's tenant must accept submissions, each site and each client address
of a site are rate limited, a site may require a CAPTCHA (verified with its provider), at most
the site's daily cap of browser posts count against the monthly quota, a filled honeypot
(`_gotcha`) is stored as spam, and `_next` may only lead back to the site."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings

from portal.crypto import field_decrypt
from portal.dynamo.base import utcnow
from portal.dynamo.expiring import IngestGuards
from portal.dynamo.metrics import day_key
from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.sites.api_keys import TenantBlocked
from portal.services.ingest.captcha import PROVIDERS, captcha_verify
from portal.services.ingest.files import ReceivedFile, submission_ingest_with_files
from portal.services.ingest.store import IngestRefused, IngestResult, ingest_rate_check

HONEYPOT, NEXT = "_gotcha", "_next"
USER_AGENT_MAX = 512


class FormUnavailable(IngestRefused):
    def __init__(self):
        super().__init__("This form is not connected to an active site.")


class DomainUnverified(IngestRefused):
    """The site's tenant has not proven control of its domain yet (site page: "Verify now")."""

    def __init__(self, domain: str):
        super().__init__(f"Browser forms for {domain} are accepted once the site's owner has verified the domain "
                         "in Form-Bridge (site page, \"Verify domain\"). Sending through the API works meanwhile.")


class OriginRefused(IngestRefused):
    def __init__(self, domain: str):
        super().__init__(f"Forms for this site are accepted only from pages on {domain}.")


class BrowserCapReached(IngestRefused):
    """The site's browser posts of today reached its daily cap (so a flood stops there, not at
    the monthly quota)."""

    def __init__(self, *, cap: int, retry_after: int):
        super().__init__(f"This site accepts at most {cap} form posts from browsers per day; "
                         "try again tomorrow (UTC) or send through the API.")
        self.cap, self.retry_after = cap, retry_after


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _same_site(url: str, domain: str) -> bool:
    """A URL on the site's own domain, with or without www."""
    host = _host(url)
    bare = domain[4:] if domain.startswith("www.") else domain
    return bool(host) and host in (bare, f"www.{bare}")


@dataclass(frozen=True)
class BrowserForm:
    """A site's form that accepted a browser's post so far; `origin` is where it came from."""

    site: Site
    tenant: Tenant
    origin: str

    def redirect_target(self, special: dict) -> str | None:
        """Where `_next` asks to go, if that is an http(s) page of the site itself."""
        next_url = special.get(NEXT, "")
        if next_url and _same_site(next_url, self.site.domain) and urlsplit(next_url).scheme in ("http", "https"):
            return next_url
        return None

    def back_link(self) -> str:
        """The page the form was posted from, for a "back" link, when it is on the site."""
        return self.origin if _same_site(self.origin, self.site.domain) else ""


def browser_form_open(*, site_id: str, origin: str | None, referer: str | None, ip: str | None = None) -> BrowserForm:
    """Everything checked before the body is read: the site, where the post came from, the
    tenant, the site's rate limit and that of the client address on this site."""
    site = Site.lookup_by_id(site_id)
    if site is None or not site.active:
        raise FormUnavailable()
    if not site.verified:
        raise DomainUnverified(site.domain)
    origin = origin or referer or ""
    if not _same_site(origin, site.domain):
        raise OriginRefused(site.domain)
    tenant = tenant_get_or_none(tenant_id=site.tenantId)
    if tenant is None or not tenant.accepts_submissions:
        raise TenantBlocked()
    ingest_rate_check(subject=f"site:{site.id}", per="site")
    ingest_rate_check(subject=f"site:{site.id}:ip:{ip or 'unknown'}", limit=settings.INGEST_BROWSER_IP_LIMIT,
                      window=settings.INGEST_BROWSER_IP_WINDOW_SECONDS, per="client address")
    return BrowserForm(site=site, tenant=tenant, origin=origin)


def _captcha_check(site: Site, special: dict, ip: str | None) -> None:
    provider = PROVIDERS.get(site.captchaProvider or "")
    if provider is None:
        return
    secret = field_decrypt(site.captchaSecretEncrypted) if site.captchaSecretEncrypted else ""
    captcha_verify(provider=provider.code, secret=secret, token=special.get(provider.token_field), ip=ip,
                   min_score=float(site.captchaMinScore or 0))


def _daily_cap_check(site: Site, now: datetime) -> None:
    cap = int(site.browserDailyCap if site.browserDailyCap is not None else settings.INGEST_BROWSER_DAILY_CAP)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    if not IngestGuards.capped_hit(key=IngestGuards.browser_day_key_for(site.id, day_key(now)), limit=cap,
                                   expires_epoch=int(tomorrow.timestamp()) + 86400):
        raise BrowserCapReached(cap=cap, retry_after=max(1, math.ceil((tomorrow - now).total_seconds())))


def browser_form_submit(*, form: BrowserForm, form_id: str, fields: dict, special: dict, referer: str | None,
                        user_agent: str | None, ip: str | None,
                        received: list[ReceivedFile] | None = None) -> IngestResult:
    """Store the post with what the browser told about itself; a filled honeypot is kept as spam
    (spam has its own budget, so only other posts count against the daily cap)."""
    meta = {"page_url": referer or "", "referrer": referer or "",
            "user_agent": (user_agent or "")[:USER_AGENT_MAX], "ip": ip or ""}
    _captcha_check(form.site, special, ip)
    spam = bool(special.get(HONEYPOT, "").strip())
    if not spam:
        _daily_cap_check(form.site, utcnow())
    return submission_ingest_with_files(tenant=form.tenant, site_id=form.site.id, form_id=form_id, fields=fields,
                                        meta={k: v for k, v in meta.items() if v}, spam=spam, received=received)
