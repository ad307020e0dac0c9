"""A tenant's plan with its quotas, and the usage of a month: the one place ingest, the
dashboard, the account, plan, sites, destinations and staff pages read them, so every page
shows and ingest enforces the same numbers. A tenant without a plan (or whose product is gone)
gets the quotas of a new product. Plans change rarely, so ingest keeps them a minute in memory."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from portal.dynamo.base import TRANSACT_MAX_ACTIONS, utcnow
from portal.dynamo.rollups import MonthCounts, month_key, rollups_get
from portal.dynamo.products import Product, Quotas
from portal.dynamo.tenants import Tenant
from portal.selectors.billing.products import product_get_or_none

CACHE_SECONDS = 60
# Ingest writes the submission, one row per destination and (once a day) the day item in one
# transaction: keep room for the fixed actions, so every plan's destinations fit.
MAX_DESTINATIONS = TRANSACT_MAX_ACTIONS - 10
DEFAULT_PLAN_NAME = "Default"
MB = 1024 * 1024
MAX_FILES = 100  # Django's DATA_UPLOAD_MAX_NUMBER_FILES refuses more in one body anyway
_cache: dict[str, tuple[float, "PlanQuotas"]] = {}


@dataclass(frozen=True)
class PlanQuotas:
    product: Product | None = field(compare=False)  # None: no plan chosen, or its product is gone
    name: str
    monthly_submissions: int
    max_sites: int
    max_destinations: int
    retention_days: int
    # Files (issue 13), in bytes.
    max_file_bytes: int = 10 * MB
    max_submission_file_bytes: int = 25 * MB
    max_files: int = 10
    monthly_file_bytes: int = 1024 * MB


def _from_product(product: Product | None) -> PlanQuotas:
    quotas = product.quotas if product else Quotas()
    return PlanQuotas(product=product, name=product.name if product else DEFAULT_PLAN_NAME,
                      monthly_submissions=int(quotas.monthlySubmissions), max_sites=int(quotas.maxSites),
                      max_destinations=min(int(quotas.maxDestinations), MAX_DESTINATIONS), retention_days=int(quotas.retentionDays),
                      max_file_bytes=int(quotas.maxFileMb) * MB,
                      max_submission_file_bytes=int(quotas.maxSubmissionFilesMb) * MB,
                      max_files=min(int(quotas.maxFilesPerSubmission), MAX_FILES),
                      monthly_file_bytes=int(quotas.monthlyFileStorageMb) * MB)


def plan_quotas(*, tenant: Tenant, cached: bool = False) -> PlanQuotas:
    """The tenant's plan and its quotas; the defaults of a new product when it has none.
    `cached` (ingest) may answer from a copy up to CACHE_SECONDS old."""
    product_id = tenant.productId or ""
    if cached:
        hit = _cache.get(product_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    plan = _from_product(product_get_or_none(product_id=product_id))
    _cache[product_id] = (time.monotonic() + CACHE_SECONDS, plan)
    return plan


@dataclass
class Usage:
    month: str  # YYYY-MM (UTC)
    submissions: int = 0  # non-spam: what counts against the quota
    spam: int = 0
    delivered: int = 0
    failed: int = 0
    files: int = 0  # files uploaded this month and their bytes: the month's file storage
    file_bytes: int = 0


def usage_from_rollup(*, month: str, raw: dict | None) -> Usage:
    """A tenant's month item (portal.dynamo.rollups) as usage; no item yet is 0."""
    usage = Usage(month=month)
    if raw:
        counts = MonthCounts(month).add_raw(raw)
        usage.submissions, usage.spam = counts.submissions, counts.spam
        usage.delivered, usage.failed = counts.delivered, counts.failed
        usage.files, usage.file_bytes = counts.files, counts.fileBytes
    return usage


def usage_month(*, tenant_id: str, today: date | None = None) -> Usage:
    """The usage of the (UTC) month holding `today`: the tenant's month rollup, one small read
    (the rollup sums the month's day items over every shard). No item yet is 0."""
    month = month_key(today or utcnow().date())
    found = rollups_get(tenant_id=tenant_id, months=[month], sites=[None])
    return usage_from_rollup(month=month, raw=found.get((month, None)))


@dataclass
class PlanUsage:
    plan: PlanQuotas
    usage: Usage

    @property
    def quota(self) -> int:
        return self.plan.monthly_submissions

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.usage.submissions / self.quota)) if self.quota else 100

    @property
    def file_quota(self) -> int:
        return self.plan.monthly_file_bytes

    @property
    def file_percent(self) -> int:
        return min(100, round(100 * self.usage.file_bytes / self.file_quota)) if self.file_quota else 100

    @property
    def over_file_quota(self) -> bool:
        """What file uploads are refused at (fields-only submissions still go in)."""
        return self.usage.file_bytes >= self.file_quota

    @property
    def over_quota(self) -> bool:
        """What ingest refuses at (spam never counts)."""
        return self.usage.submissions >= self.quota


def plan_usage(*, tenant: Tenant, today: date | None = None, usage: Usage | None = None) -> PlanUsage:
    """The plan and this month's usage against its monthly quota (`usage`: already read)."""
    return PlanUsage(plan=plan_quotas(tenant=tenant),
                     usage=usage if usage is not None else usage_month(tenant_id=tenant.id, today=today))
