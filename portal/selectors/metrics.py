"""The dashboard, from the metrics table only: one Query for the last 30 days, whatever the
number of submissions, and the month's usage against the plan from selectors.plans."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.dynamo.base import utcnow
from portal.dynamo.metrics import day_counts_between, site_counts_between
from portal.dynamo.tenants import Tenant
from portal.selectors.billing.plans import PlanUsage, plan_usage

DAYS = 30


@dataclass
class DayBar:
    day: date
    submissions: int
    spam: int
    percent: int  # bar height relative to the busiest day


@dataclass
class SiteUsage:
    site_id: str
    submissions: int
    spam: int
    stored_bytes: int


def site_usage_month(*, tenant: Tenant, today: date | None = None) -> dict[str, SiteUsage]:
    """This month's (UTC) submissions, spam and stored payload bytes per site, from the day
    counters (one Query, no scan of submissions). Sites without any are absent."""
    today = today or utcnow().date()
    counts = site_counts_between(tenant_id=tenant.id, first_day=today.replace(day=1).isoformat(),
                                 last_day=today.isoformat(), site_ids=tenant.site_scope)
    return {site_id: SiteUsage(site_id=site_id, submissions=c.submissions, spam=c.spam, stored_bytes=c.stored_bytes)
            for site_id, c in counts.items()}


def site_forms_seen(*, tenant: Tenant, today: date | None = None) -> dict[str, list[str]]:
    """The form ids counted on each site in the last DAYS days (the bounded per-site form
    counters ingest keeps): choices for routing, never free text."""
    today = today or utcnow().date()
    counts = site_counts_between(tenant_id=tenant.id, first_day=(today - timedelta(days=DAYS - 1)).isoformat(),
                                 last_day=today.isoformat(), site_ids=tenant.site_scope)
    return {site_id: sorted(c.forms) for site_id, c in counts.items()}


@dataclass
class Dashboard:
    days: list[DayBar]
    total: int
    spam: int
    delivered: int
    failed: int
    top_forms: list[tuple[str, int]]
    plan: PlanUsage
    busiest: int = 0
    hours: list[tuple[str, int]] = field(default_factory=list)


def dashboard_summary(*, tenant: Tenant, today: date | None = None, consumed: list | None = None) -> Dashboard:
    today = today or utcnow().date()
    first = today - timedelta(days=DAYS - 1)
    # A site-scoped user (a CLIENT) sees its sites' counters only.
    counts = day_counts_between(tenant_id=tenant.id, first_day=first.isoformat(),
                                last_day=today.isoformat(), consumed=consumed, site_ids=tenant.site_scope)
    window = [counts.get((first + timedelta(days=i)).isoformat()) for i in range(DAYS)]
    busiest = max([d.submissions for d in window if d] or [0])
    bars = []
    forms: dict[str, int] = {}
    hours: dict[str, int] = {}
    for offset, day in enumerate(window):
        submissions = day.submissions if day else 0
        bars.append(DayBar(day=first + timedelta(days=offset), submissions=submissions, spam=day.spam if day else 0,
                           percent=round(100 * submissions / busiest) if busiest else 0))
        if day:
            for name, n in day.forms.items():
                forms[name] = forms.get(name, 0) + n
            for name, n in day.hours.items():
                hours[name] = hours.get(name, 0) + n
    return Dashboard(
        days=bars, total=sum(b.submissions for b in bars), spam=sum(b.spam for b in bars),
        delivered=sum(d.delivered for d in window if d), failed=sum(d.failed for d in window if d),
        top_forms=sorted(((k, v) for k, v in forms.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))[:5],
        plan=plan_usage(tenant=tenant, today=today), busiest=busiest, hours=sorted(hours.items()),
    )
