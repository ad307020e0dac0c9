"""Writes of sites: a tenant's WordPress sites.

A site is a tenant's claim of a domain (a conditional put beside the domain's other claims,
portal/dynamo/sites.py). A new site is unverified: its API keys work, but browser posts wait
until the tenant proves control of the domain (portal/services/sites/domain_verification.py), so
adding a domain another tenant has claimed is allowed and says nothing about that tenant.
Deleting a site is a soft delete (active=False) that revokes its API keys. Re-adding a domain
the same tenant deleted restores that site (same id, plan limit applies); its old keys stay
revoked."""
from __future__ import annotations

import re
import secrets

import idna
from pynamodb.exceptions import PutError

from portal.dynamo.base import is_condition_failure, new_id, save_versioned
from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, ServiceError
from portal.selectors.billing.plans import plan_quotas
from portal.selectors.sites import api_key_list, site_count_active
from portal.services.compliance.audit import audit_record
from portal.services.billing.onboarding import onboarding_site_added

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidDomain(ServiceError):
    pass


class DomainTaken(ServiceError):
    pass


class PlanLimitReached(ServiceError):
    pass


def normalise_domain(raw: str) -> str:
    """`https://Www.Example.COM:8080/contact?x` -> `www.example.com`; IDN -> punycode."""
    value = (raw or "").strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    elif value.startswith("//"):
        value = value[2:]
    value = re.split(r"[/?#]", value, maxsplit=1)[0]
    value = value.rsplit("@", 1)[-1]
    if value.startswith("["):
        raise InvalidDomain("Enter a domain name, not an IP address.")
    value = value.split(":", 1)[0].rstrip(".")
    if not value:
        raise InvalidDomain("Enter a domain such as example.com.")
    try:
        value = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise InvalidDomain(f"{raw.strip()} is not a valid domain name.") from None
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidDomain(f"{raw.strip()} is not a valid domain name (for example: example.com).")
    if labels[-1].isdigit():
        raise InvalidDomain("Enter a domain name, not an IP address.")
    return value


def site_public_dict(site: Site) -> dict:
    return {"id": site.id, "domain": site.domain, "name": site.name, "active": site.active}


def _check_plan_limit(tenant: Tenant) -> None:
    limit = plan_quotas(tenant=tenant).max_sites
    if site_count_active(tenant_id=tenant.id) >= limit:
        raise PlanLimitReached(f"Your plan allows {limit} site{'s' if limit != 1 else ''}. "
                               "Delete a site or upgrade your plan to add another.")


def site_add(*, tenant: Tenant, actor: str, domain: str, name: str = "") -> Site:
    """Claim a domain for this tenant: a new unverified site, or the tenant's own deleted site
    restored. Another tenant's claim (verified or not) is never mentioned: proving control of
    the domain (domain_verification) decides who receives its browser posts."""
    domain = normalise_domain(domain)
    _check_plan_limit(tenant)
    for _attempt in range(3):
        claims = Site.claims_of_domain(domain)
        own = next((claim for claim in claims if claim.tenantId == tenant.id), None)
        if own is not None:
            return _site_restore(tenant=tenant, actor=actor, site=own, name=name)
        site = Site.in_tenant(tenant.id).new(id=new_id(), domain=domain, name=(name or "").strip() or domain,
                                             sk=Site.sort_for_claim(tenant.id, first=not claims),
                                             verificationToken=new_verification_token(), lastUpdatedBy=actor)
        try:
            site.save(condition=Site.pk.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
            continue  # claimed meanwhile: read the claims again
        audit_record(tenant_id=tenant.id, actor=actor, action="site.create", target_type="site", target_id=site.id,
                     after=site_public_dict(site))
        onboarding_site_added(tenant=tenant, actor=actor)
        return site
    raise ConcurrentEdit()


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


def _site_restore(*, tenant: Tenant, actor: str, site: Site, name: str) -> Site:
    if site.active:
        raise DomainTaken(f"{site.domain} is already one of your sites.")
    before = site_public_dict(site)
    site.active = True
    if name.strip():
        site.name = name.strip()
    site.touch(actor)
    save_versioned(site)
    audit_record(tenant_id=tenant.id, actor=actor, action="site.restore", target_type="site", target_id=site.id,
                 before=before, after=site_public_dict(site))
    onboarding_site_added(tenant=tenant, actor=actor)
    return site


def site_delete(*, tenant: Tenant, actor: str, site: Site) -> None:
    """Soft delete; every key of the site is revoked, so ingest for it stops at once."""
    if site.tenantId != tenant.id:
        raise ServiceError("Not your site.")
    before = site_public_dict(site)
    site.active = False
    site.touch(actor)
    save_versioned(site)
    from portal.services.sites.api_keys import api_key_revoke

    for key in api_key_list(tenant_id=tenant.id, site_id=site.id):
        if key.active:
            api_key_revoke(tenant=tenant, actor=actor, key=key)
    audit_record(tenant_id=tenant.id, actor=actor, action="site.delete", target_type="site", target_id=site.id,
                 before=before, after=site_public_dict(site))


