"""A client's report for one month, beside the month before, from the day counters only.

Every figure comes from the tenant's counter items of the two months, read by ONE function,
`report_counters` (one Query of the metrics table over at most 62 days; a report of a client
with any number of submissions reads no submission). When monthly rollups of the counters
exist, `report_counters` is the one place to switch to them.

Lead outcomes (won/lost/closed/open) and the median time to first response come from the lead
inbox's month counters (`lead_month_stats`: one more small Query of the metrics table; New is
derived from the day counters already read), summed over the report's sites."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.dynamo.base import utcnow
from portal.dynamo.metrics import (
    DELIVERED,
    FAILED,
    FAILED_SECONDS,
    FORM_PREFIX,
    OTHER_FORMS,
    OTHER_PAGES,
    PAGE_PREFIX,
    RETRIED,
    RETRY_SECONDS,
    SPAM,
    SUBMISSIONS,
    CounterItem,
    counter_items_decoded,
)
from portal.dynamo.leads import CLOSED, LOST, WON
from portal.dynamo.tenants import Tenant
from portal.errors import NotFound
from portal.selectors.leads import lead_month_stats, lead_stats_combined
from portal.selectors.reports.subjects import ReportSubject

TOP_PAGES, TOP_FORMS = 10, 15
COUNT, SHARE, DURATION = "count", "share", "duration"


def report_counters(*, tenant_id: str, first_day: date, last_day: date,
                    consumed: list | None = None) -> list[CounterItem]:
    """The one read of the day counters behind every report: the tenant's counter items from
    first_day to last_day (one Query; `consumed` collects its read units)."""
    return list(counter_items_decoded(tenant_id=tenant_id, first_day=first_day.isoformat(),
                                      last_day=last_day.isoformat(), consumed=consumed))


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass
class MonthFigures:
    first_day: date
    last_day: date
    days: list[tuple[date, int, int]] = field(default_factory=list)  # (day, submissions, spam)
    submissions: int = 0
    spam: int = 0
    delivered: int = 0
    failed: int = 0
    retried: int = 0
    retry_seconds: int = 0
    failed_seconds: int = 0
    forms: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    # From the lead inbox's counters, for the leads that arrived this month, as they stand now:
    # {"won", "lost", "closed", "open" (New, Open or Replied), "leads"}, and the first responses.
    outcomes: dict[str, int] | None = None
    first_responses: int = 0
    median_first_response_seconds: float | None = None

    @property
    def delivered_share(self) -> float | None:
        """Delivered deliveries in % of the deliveries that ended this month (None: none ended)."""
        ended = self.delivered + self.failed
        return 100.0 * self.delivered / ended if ended else None

    @property
    def mean_retry_seconds(self) -> float | None:
        """How long a delivery that needed retries waited for its success, on average."""
        return self.retry_seconds / self.retried if self.retried else None

    @property
    def mean_failed_seconds(self) -> float | None:
        """How long a failed delivery was tried before it was given up, on average."""
        return self.failed_seconds / self.failed if self.failed else None


@dataclass
class Row:
    label: str
    current: float | None
    previous: float | None
    kind: str = COUNT

    @property
    def change(self) -> float | None:
        """The change from the previous month: in % for counts and durations, in percentage
        points for shares; None when there is nothing to compare with."""
        if self.current is None or self.previous is None:
            return None
        if self.kind == SHARE:
            return round(self.current - self.previous, 1)
        if not self.previous:
            return None
        return round(100.0 * (self.current - self.previous) / self.previous, 1)

    @property
    def current_text(self) -> str:
        return value_text(self.current, self.kind)

    @property
    def previous_text(self) -> str:
        return value_text(self.previous, self.kind)

    @property
    def change_text(self) -> str:
        """"+12.5%", "−3 pts", "no change", or "–" with nothing to compare."""
        change = self.change
        if change is None:
            return "new" if self.kind == COUNT and self.current and not self.previous else "–"
        if change == 0:
            return "no change"
        number = f"{abs(change):.1f}".removesuffix(".0")
        sign = "+" if change > 0 else "−"
        return f"{sign}{number} pts" if self.kind == SHARE else f"{sign}{number}%"

    @property
    def trend(self) -> str:
        change = self.change
        return "same" if not change else ("up" if change > 0 else "down")


def value_text(value: float | None, kind: str) -> str:
    """A figure as a person reads it: 1,234 · 97.5% · 3 min · 2.5 h · – (none)."""
    if value is None:
        return "–"
    if kind == SHARE:
        return f"{value:.1f}%".replace(".0%", "%")
    if kind == DURATION:
        if value < 90:
            return f"{value:.0f} s"
        if value < 90 * 60:
            return f"{value / 60:.0f} min"
        if value < 48 * 3600:
            return f"{value / 3600:.1f} h".replace(".0 h", " h")
        return f"{value / 86400:.1f} days".replace(".0 days", " days")
    return f"{int(value):,}"


@dataclass
class ClientReport:
    subject: ReportSubject
    month: date
    current: MonthFigures
    previous: MonthFigures
    complete: bool  # False: the month is still running (a preview)
    headline: list[Row]
    forms: list[Row]
    sites: list[Row]
    pages: list[Row]
    outcome_rows: list[Row]  # empty when neither month had a lead
    read_units: float = 0.0

    outcome_note: str = ("The leads that arrived in each month, as they stand now. Still open: new, open or "
                         "replied. The median is rounded up to a step "
                         "(5, 15, 30 min, 1, 2, 4, 8 h, 1, 2, 4, 7, 14 days).")

    @property
    def busiest(self) -> int:
        return max([n for _, n, _ in self.current.days] or [0])


def _month_figures(items: list[CounterItem], *, site_ids: frozenset[str], first: date, last: date) -> MonthFigures:
    figures = MonthFigures(first_day=first, last_day=last)
    per_day: dict[str, list[int]] = {}
    low, high = first.isoformat(), last.isoformat()
    for item in items:
        if item.site_id not in site_ids or not low <= item.day <= high:
            continue
        day = per_day.setdefault(item.day, [0, 0])
        submissions, spam = item.number(SUBMISSIONS), item.number(SPAM)
        day[0] += submissions
        day[1] += spam
        figures.submissions += submissions
        figures.spam += spam
        figures.delivered += item.number(DELIVERED)
        figures.failed += item.number(FAILED)
        figures.retried += item.number(RETRIED)
        figures.retry_seconds += item.number(RETRY_SECONDS)
        figures.failed_seconds += item.number(FAILED_SECONDS)
        if submissions:
            figures.sites[item.site_id] = figures.sites.get(item.site_id, 0) + submissions
        if item.form_key is not None and submissions:
            figures.forms[item.form_key] = figures.forms.get(item.form_key, 0) + submissions
        for form, n in item.prefixed(FORM_PREFIX).items():  # items from before per-form items
            figures.forms[form] = figures.forms.get(form, 0) + n
        for page, n in item.prefixed(PAGE_PREFIX).items():
            figures.pages[page] = figures.pages.get(page, 0) + n
    days, day = [], first
    while day <= last:
        counts = per_day.get(day.isoformat(), (0, 0))
        days.append((day, counts[0], counts[1]))
        day += timedelta(days=1)
    figures.days = days
    return figures


def _ranked_rows(current: dict[str, int], previous: dict[str, int], *, top: int, other_key: str,
                 other_label: str, labels: dict[str, str] | None = None, rest_current: int = 0,
                 rest_previous: int = 0) -> list[Row]:
    """The `top` keys of this month (then of last month), and one row for everything else."""
    names = sorted((k for k in set(current) | set(previous) if k != other_key),
                   key=lambda k: (-current.get(k, 0), -previous.get(k, 0), k))
    shown, rest = names[:top], names[top:]
    rows = [Row((labels or {}).get(k, k), current.get(k, 0), previous.get(k, 0)) for k in shown]
    other_now = current.get(other_key, 0) + sum(current.get(k, 0) for k in rest) + rest_current
    other_before = previous.get(other_key, 0) + sum(previous.get(k, 0) for k in rest) + rest_previous
    if other_now or other_before:
        rows.append(Row(other_label, other_now, other_before))
    return rows


OUTCOMES = (("won", "Won"), ("lost", "Lost"), ("closed", "Closed"), ("open", "Still open"))


def _add_lead_figures(*, tenant: Tenant, site_ids: frozenset[str], current: MonthFigures, previous: MonthFigures,
                      consumed: list) -> None:
    """Fill both months' outcomes and first responses from the lead counters of the report's
    sites. What arrived per site (for New) is what the day counters already gave, so this adds
    one Query of the lead counter items (one item per site and month) and nothing else. The
    median is the combined histogram's: the sites' histograms are summed first."""
    months = {figures.first_day.strftime("%Y-%m"): figures for figures in (previous, current)}
    arrived = {(month, site_id): n for month, figures in months.items() for site_id, n in figures.sites.items()}
    rows = lead_month_stats(tenant=tenant, first_month=min(months), last_month=max(months), site_ids=site_ids,
                            arrived=arrived, consumed=consumed)
    for month, figures in months.items():
        total = lead_stats_combined(rows, month=month)
        figures.outcomes = {"won": total.states.get(WON, 0), "lost": total.states.get(LOST, 0),
                            "closed": total.states.get(CLOSED, 0), "open": total.open_count,
                            "leads": sum(total.states.values())}
        figures.first_responses = total.first_responses
        figures.median_first_response_seconds = total.median_first_response_seconds


def report_build(*, tenant: Tenant, subject: ReportSubject, month: date, today: date | None = None) -> ClientReport:
    """The report of `subject` for `month` (any day of it) beside the month before. A month
    that has not started is NotFound; the running month is a preview up to today (UTC)."""
    today = today or utcnow().date()
    first, last = month_bounds(month)
    if first > today:
        raise NotFound()
    complete = last < today
    last_counted = min(last, today)
    before_first, before_last = month_bounds(previous_month(first))
    consumed: list = []
    items = report_counters(tenant_id=tenant.id, first_day=before_first, last_day=last_counted, consumed=consumed)
    current = _month_figures(items, site_ids=subject.site_ids, first=first, last=last)
    previous = _month_figures(items, site_ids=subject.site_ids, first=before_first, last=before_last)
    headline = [
        Row("Submissions", current.submissions, previous.submissions),
        Row("Spam caught", current.spam, previous.spam),
        Row("Delivered", current.delivered, previous.delivered),
        Row("Delivered share", current.delivered_share, previous.delivered_share, kind=SHARE),
        Row("Failed deliveries", current.failed, previous.failed),
        Row("Deliveries that needed retries", current.retried, previous.retried),
        Row("Average wait of a retried delivery", current.mean_retry_seconds, previous.mean_retry_seconds,
            kind=DURATION),
        Row("Average time before a failure was given up", current.mean_failed_seconds,
            previous.mean_failed_seconds, kind=DURATION),
    ]
    _add_lead_figures(tenant=tenant, site_ids=subject.site_ids, current=current, previous=previous,
                      consumed=consumed)
    outcome_rows = []
    if current.outcomes["leads"] or previous.outcomes["leads"]:
        for key, label in OUTCOMES:
            outcome_rows.append(Row(label, current.outcomes[key], previous.outcomes[key]))
        outcome_rows.append(Row("Replied to", current.first_responses, previous.first_responses))
        outcome_rows.append(Row("Median time to first response", current.median_first_response_seconds,
                                previous.median_first_response_seconds, kind=DURATION))
    domains = dict(subject.sites)
    page_rest_now = current.submissions - sum(current.pages.values())
    page_rest_before = previous.submissions - sum(previous.pages.values())
    return ClientReport(
        subject=subject, month=first, current=current, previous=previous, complete=complete, headline=headline,
        forms=_ranked_rows(current.forms, previous.forms, top=TOP_FORMS, other_key=OTHER_FORMS,
                           other_label="Other forms"),
        sites=[Row(domains[s], current.sites.get(s, 0), previous.sites.get(s, 0)) for s, _ in subject.sites],
        pages=_ranked_rows(current.pages, previous.pages, top=TOP_PAGES, other_key=OTHER_PAGES,
                           other_label="Other pages, or no page given", rest_current=max(0, page_rest_now),
                           rest_previous=max(0, page_rest_before)),
        outcome_rows=outcome_rows, read_units=float(sum(consumed)),
    )


def report_months(*, tenant: Tenant, today: date | None = None) -> list[date]:
    """The months a report exists for, newest first: from the tenant's first month (and at
    least last month) to this one (the running month first, as a preview). No read."""
    today = today or utcnow().date()
    start = min((tenant.dateCreated.date() if tenant.dateCreated else today).replace(day=1), previous_month(today))
    months, month = [], today.replace(day=1)
    while month >= start and len(months) < 120:
        months.append(month)
        month = previous_month(month)
    return months
