"""The one way views reach a thing by the id in their URL. Each helper answers the object or
raises NotFound, the same answer for "missing" and "not yours" (so an id from another tenant
reveals nothing); portal.middleware turns NotFound into the 404 page.

Tenant-owned things take the signed-in `tenant` (never an id from the request); the staff
console's things take their id or code."""
from __future__ import annotations

import re
from datetime import datetime

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.api_tokens import ApiToken
from portal.dynamo.campaigns import Campaign
from portal.dynamo.destinations import Destination
from portal.dynamo.privacy_jobs import PrivacyJob
from portal.dynamo.products import Product
from portal.dynamo.sites import Site
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import NotFound
from portal.selectors.api import api_token_list
from portal.selectors.billing.campaigns import campaign_get_or_none
from portal.selectors.privacy import privacy_job_get
from portal.selectors.billing.products import product_get_or_none
from portal.selectors.sites import api_key_list
from portal.selectors.submissions import submission_find
from portal.selectors.billing.tenants import tenant_get_or_none

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_MAX_ID = 64


def access_site(*, tenant: Tenant, site_id: str, include_deleted: bool = False) -> Site:
    """The tenant's site (deleted ones only when asked; for a site-scoped user, its own only)."""
    scope = tenant.site_scope
    if site_id and len(site_id) <= _MAX_ID and (scope is None or site_id in scope):
        for site in Site.in_tenant(tenant.id).query(site_id, index=Site.id_index):
            if site.active or include_deleted:
                return site
    raise NotFound("No such site.")


def access_api_key(*, tenant: Tenant, site: Site, key_id: str) -> ApiKey:
    """One of the site's API keys (revoked ones included: they stay listed)."""
    for key in api_key_list(tenant_id=tenant.id, site_id=site.id):
        if key.id == key_id:
            return key
    raise NotFound("No such API key.")


def access_api_token(*, tenant: Tenant, token_id: str) -> ApiToken:
    """One of the tenant's API tokens (revoked ones included: they stay listed)."""
    for token in api_token_list(tenant_id=tenant.id):
        if token.id == token_id:
            return token
    raise NotFound("No such API token.")


def access_destination(*, tenant: Tenant, destination_id: str) -> Destination:
    """The tenant's live destination (a deleted one is gone for the tenant)."""
    found = None
    if destination_id and len(destination_id) <= _MAX_ID:
        found = Destination.in_tenant(tenant.id).get_or_none(Destination.partition_for(tenant.id),
                                                             Destination.sort_for(destination_id))
    if found is None or not found.active:
        raise NotFound("No such destination.")
    return found


def access_submission(*, tenant: Tenant, submission_id: str, now: datetime | None = None) -> Submission:
    """The tenant's submission from whichever shard holds it (an expired one is gone); for a
    site-scoped user, only one of its sites' (another site's is NotFound, like another tenant's)."""
    if not submission_id or not _ULID.match(submission_id):
        raise NotFound("No such submission.")
    found = submission_find(tenant_id=tenant.id, submission_id=submission_id, shard_count=tenant.shardCount, now=now,
                            site_ids=tenant.site_scope)
    if found is None:
        raise NotFound("No such submission.")
    return found


def access_privacy_job(*, tenant: Tenant, job_id: str) -> PrivacyJob:
    """One of the tenant's privacy erase jobs."""
    job = privacy_job_get(tenant=tenant, job_id=job_id) if job_id and _ULID.match(job_id) else None
    if job is None:
        raise NotFound("No such privacy request.")
    return job


def access_product(*, product_id: str) -> Product:
    """A product, deleted or not (staff can restore it)."""
    product = product_get_or_none(product_id=product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def access_campaign(*, code: str) -> Campaign:
    """A campaign by its code in any case, deleted or not."""
    campaign = campaign_get_or_none(code=code)
    if campaign is None:
        raise NotFound("No such campaign.")
    return campaign


def access_tenant(*, tenant_id: str) -> Tenant:
    """A tenant, deleted or not (the staff console's view of every tenant)."""
    tenant = tenant_get_or_none(tenant_id=tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant
