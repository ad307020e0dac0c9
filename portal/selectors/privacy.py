"""Reads of privacy erase jobs (the tenant's own)."""
from __future__ import annotations

from portal.dynamo.privacy_jobs import PrivacyJob
from portal.dynamo.tenants import Tenant

RECENT_JOBS = 10


def privacy_job_list(*, tenant: Tenant) -> list[PrivacyJob]:
    """The tenant's latest jobs, newest first (finished ones expire after 30 days)."""
    return list(PrivacyJob.in_tenant(tenant.id).query(PrivacyJob.partition_for(tenant.id), scan_index_forward=False,
                                                      limit=RECENT_JOBS))


def privacy_job_get(*, tenant: Tenant, job_id: str) -> PrivacyJob | None:
    return PrivacyJob.in_tenant(tenant.id).get_or_none(PrivacyJob.partition_for(tenant.id), PrivacyJob.sort_for(job_id))
