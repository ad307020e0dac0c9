"""The dashboard, the sites' usage and the monthly reports, from the month rollups of the
metrics table (portal.dynamo.rollups): a bounded number of small items whatever the number of
submissions, sites, forms and hours behind them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.dynamo.base import utcnow
from portal.dynamo.metrics import DELIVERED, FAILED, OTHER_FORMS, SPAM, SUBMISSIONS
from portal.dynamo.rollups import MonthCounts, month_counts, month_key, rollups_get, site_rollups_month
from portal.dynamo.tenants import Tenant
from portal.selectors.billing.plans import PlanUsage, plan_usage, usage_from_rollup

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
    """This month's (UTC) submissions, spam and stored payload bytes per site, from the sites'
    month rollups (one Query, no scan of submissions). Sites without any are absent."""
    today = today or utcnow().date()
    scope = tenant.site_scope
    found = site_rollups_month(tenant_id=tenant.id, month=month_key(today))
    usage = {}
    for site_id, raw in found.items():
        if scope is not None and site_id not in scope:
            continue
        counts = MonthCounts(month_key(today)).add_raw(raw)
        usage[site_id] = SiteUsage(site_id=site_id, submissions=counts.submissions, spam=counts.spam,
                                   stored_bytes=counts.storedBytes)
    return usage


def site_forms_seen(*, tenant: Tenant, today: date | None = None) -> dict[str, list[str]]:
    """The form ids counted on each site this month and last (the sites' month rollups name a
    bounded number of forms each): choices for routing, never free text."""
    today = today or utcnow().date()
    scope = tenant.site_scope
    seen: dict[str, set[str]] = {}
    for month in _window_months(today):
        for site_id, raw in site_rollups_month(tenant_id=tenant.id, month=month).items():
            if scope is None or site_id in scope:
                forms = MonthCounts(month).add_raw(raw).forms
                seen.setdefault(site_id, set()).update(k for k, n in forms.items() if n > 0 and k != OTHER_FORMS)
    return {site_id: sorted(forms) for site_id, forms in seen.items()}


def _window_months(today: date) -> list[str]:
    """The months the DAYS-day window ending today spans (one or two)."""
    return sorted({month_key(today - timedelta(days=DAYS - 1)), month_key(today)})


@dataclass
class Dashboard:
    days: list[DayBar]
    total: int
    spam: int
    delivered: int
    failed: int
    top_forms: list[tuple[str, int]]  # this month's
    plan: PlanUsage
    busiest: int = 0
    hours: list[tuple[str, int]] = field(default_factory=list)  # this month's


def dashboard_summary(*, tenant: Tenant, today: date | None = None) -> Dashboard:
    """30 days of counters and this month's usage from the month rollups: one BatchGetItem of
    two small items (a site-scoped user: its sites' items and the tenant's, still one request
    up to 49 sites), whatever the number of sites, forms and hours behind them."""
    today = today or utcnow().date()
    first = today - timedelta(days=DAYS - 1)
    months = _window_months(today)
    scope = tenant.site_scope  # a site-scoped user (a CLIENT) sees its sites' counters only
    shown: list[str | None] = [None] if scope is None else sorted(scope)
    found = rollups_get(tenant_id=tenant.id, months=months, sites=[None] + [s for s in shown if s])
    by_month = {month: month_counts(found[(month, site)] for site in shown if (month, site) in found)
                for month in months}
    bars, delivered, failed = [], 0, 0
    window = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        counts = by_month[month_key(day)]
        window.append((day, counts.day(day) if counts else {SUBMISSIONS: 0, SPAM: 0, DELIVERED: 0, FAILED: 0}))
    busiest = max(values[SUBMISSIONS] for _, values in window)
    for day, values in window:
        bars.append(DayBar(day=day, submissions=values[SUBMISSIONS], spam=values[SPAM],
                           percent=round(100 * values[SUBMISSIONS] / busiest) if busiest else 0))
        delivered += values[DELIVERED]
        failed += values[FAILED]
    this_month = by_month[month_key(today)]
    forms = this_month.forms if this_month else {}
    tenant_month = found.get((month_key(today), None))
    usage = usage_from_rollup(month=month_key(today), raw=tenant_month)
    return Dashboard(
        days=bars, total=sum(b.submissions for b in bars), spam=sum(b.spam for b in bars),
        delivered=delivered, failed=failed,
        top_forms=sorted(((k, v) for k, v in forms.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))[:5],
        plan=plan_usage(tenant=tenant, today=today, usage=usage), busiest=busiest,
        hours=sorted(this_month.hours.items()) if this_month else [],
    )


# --- one month per site, per form and per day: what monthly reports read --------------------
@dataclass
class MonthTotals:
    month: str  # YYYY-MM
    submissions: int = 0
    spam: int = 0
    stored_bytes: int = 0
    days: list[tuple[date, int, int]] = field(default_factory=list)  # every day of the month: (day, submissions, spam)
    forms: list[tuple[str, int]] = field(default_factory=list)  # most first; OTHER_FORMS past the named ones
    hours: list[tuple[str, int]] = field(default_factory=list)  # ("00".."23", submissions)


@dataclass
class MonthReport:
    month: str
    total: MonthTotals  # the sites asked for, summed
    sites: dict[str, MonthTotals]  # per site; a site with nothing that month is all zeros


def _totals(month: date, counts: MonthCounts | None) -> MonthTotals:
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    totals = MonthTotals(month=month_key(first))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if counts is None:
        totals.days = [(day, 0, 0) for day in days]
        return totals
    totals.submissions, totals.spam, totals.stored_bytes = counts.submissions, counts.spam, counts.storedBytes
    totals.days = [(day, counts.day(day)[SUBMISSIONS], counts.day(day)[SPAM]) for day in days]
    totals.forms = sorted(((k, v) for k, v in counts.forms.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    totals.hours = sorted(counts.hours.items())
    return totals


def month_rollup_report(*, tenant_id: str, month: date, site_ids: list[str] | None = None) -> MonthReport:
    """A month's totals per site, per form and per day for `site_ids` (None: every site that
    counted anything that month), from the sites' month rollups only: one BatchGetItem per 100
    sites given, or one Query for all. `tenant_id` comes from the session, never a URL."""
    key = month_key(month)
    if site_ids is None:
        raws = site_rollups_month(tenant_id=tenant_id, month=key)
        wanted = sorted(raws)
    else:
        wanted = sorted(set(site_ids))
        found = rollups_get(tenant_id=tenant_id, months=[key], sites=wanted) if wanted else {}
        raws = {site_id: raw for (_, site_id), raw in found.items()}
    sites = {site_id: _totals(month, month_counts([raws[site_id]]) if site_id in raws else None)
             for site_id in wanted}
    return MonthReport(month=key, total=_totals(month, month_counts(raws[s] for s in wanted if s in raws)),
                       sites=sites)
