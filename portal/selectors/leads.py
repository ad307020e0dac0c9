"""Reads of the lead inbox: notes of a submission, who a lead can be assigned to, the count
of one's New and Open leads, and the per-month counters (states and first-response times).

Reports read `lead_month_stats`: per month and site, how many of the leads that arrived that
month are New, Open, Replied, Won, Lost or Closed now, and the median time to first response,
from counter items only (no scan of submissions)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.dynamo.base import utcnow
from portal.dynamo.leads import (BUCKET_PREFIX, COUNTED_STATES, NEW, NO_SITE, OPEN, OVER, RESPONSE_BUCKETS,
                                 RESPONSE_SECONDS, RESPONSES, STATES, LeadNote, lead_counter_items)
from portal.dynamo.metrics import site_counts_between
from portal.dynamo.submissions import AssigneeIndex, Submission
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import ADMIN, CLIENT, MEMBER, OWNER, PortalUser
from portal.selectors.users import team_list

INBOX_COUNT_CAP = 100  # the navigation shows "99+" past this; the count reads at most this many index items
NOTES_MAX = 200  # notes one submission may hold


def lead_assignable(*, tenant: Tenant, site_id: str | None) -> list[PortalUser]:
    """Who a lead of `site_id` can be assigned to: the team (owner, admins, members) and the
    clients whose sites include it."""
    return [user for user in team_list(tenant_id=tenant.id)
            if user.role in (OWNER, ADMIN, MEMBER) or (user.role == CLIENT and site_id and site_id in (user.siteIds or ()))]


def lead_clients(*, tenant: Tenant) -> list[PortalUser]:
    """The tenant's active clients (whose lead rights the owner sets)."""
    return [user for user in team_list(tenant_id=tenant.id) if user.role == CLIENT]


def lead_people(*, tenant: Tenant, user: PortalUser) -> list[PortalUser]:
    """Whom the assignee filter offers: the team, and the clients (a client sees itself only)."""
    return [other for other in team_list(tenant_id=tenant.id)
            if other.role != CLIENT or user.role != CLIENT or other.email == user.email]


def lead_notes(*, tenant: Tenant, submission: Submission) -> list[LeadNote]:
    """The submission's notes and replies, oldest first (the signed-in user's site scope applies)."""
    return LeadNote.of_submission(tenant.id, submission.id, site_ids=tenant.site_scope, limit=NOTES_MAX)


def lead_note_count(*, tenant: Tenant, submission: Submission) -> int:
    return LeadNote.count_of(tenant.id, submission.id, up_to=NOTES_MAX)


def lead_inbox_counts(*, tenant: Tenant, email: str) -> dict[str, int]:
    """How many leads assigned to `email` are New and Open (AssigneeIndex, capped at
    INBOX_COUNT_CAP each): the navigation's "Assigned to me" count."""
    scope = Submission.in_tenant(tenant.id, site_ids=tenant.site_scope)
    key = Submission.assignee_key_for(tenant.id, email)
    counts = {}
    now = utcnow()
    for state in (NEW, OPEN):
        found = scope.query(key, range_key_condition=AssigneeIndex.assigneeSort.startswith(
            Submission.assignee_state_prefix(state)),
            filter_condition=Submission.ttl.does_not_exist() | (Submission.ttl > now),
            index=Submission.assignee_index, limit=INBOX_COUNT_CAP, attributes_to_get=["pk", "sk", "tenantId", "siteId"])
        counts[state] = sum(1 for _ in found)
    return counts


@dataclass
class LeadMonthStats:
    month: str  # yyyy-mm: the month the leads arrived
    site_id: str | None
    states: dict[str, int] = field(default_factory=dict)  # every state, New derived
    first_responses: int = 0
    first_response_seconds_total: int = 0
    histogram: dict[str, int] = field(default_factory=dict)  # bucket upper bound (seconds, or "over") -> count

    @property
    def median_first_response_seconds(self) -> int | None:
        """The median time to first response, to its histogram bucket's upper bound (the last
        bucket, "more than two weeks", answers with the mean of what is known instead)."""
        if not self.first_responses:
            return None
        middle, seen = (self.first_responses + 1) // 2, 0
        for bound in RESPONSE_BUCKETS:
            seen += self.histogram.get(str(bound), 0)
            if seen >= middle:
                return bound
        return self.first_response_seconds_total // self.first_responses

    @property
    def open_count(self) -> int:
        """Leads not yet won, lost or closed (New, Open and Replied)."""
        return sum(self.states.get(state, 0) for state in (NEW, OPEN, "REPLIED"))


def lead_stats_combined(rows, *, month: str) -> LeadMonthStats:
    """One month's stats of several sites as one: states, first responses and the histograms
    summed, so the median is the combined histogram's (the median of all the sites' first
    responses, to its bucket's bound), not a median of per-site medians."""
    total = LeadMonthStats(month=month, site_id=None, states={state: 0 for state in STATES})
    for row in rows:
        if row.month != month:
            continue
        for state, count in row.states.items():
            total.states[state] = total.states.get(state, 0) + count
        total.first_responses += row.first_responses
        total.first_response_seconds_total += row.first_response_seconds_total
        for bound, count in row.histogram.items():
            total.histogram[bound] = total.histogram.get(bound, 0) + count
    return total


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def lead_month_stats(*, tenant: Tenant, first_month: str, last_month: str, site_ids=None,
                     arrived: dict[tuple[str, str], int] | None = None,
                     consumed: list | None = None) -> list[LeadMonthStats]:
    """Per month (yyyy-mm, of arrival) and site, the leads in each state and the first-response
    times, from counters: one Query of the lead counters and, per month, one of the day
    counters (what arrived, for New). A caller that has read the day counters already passes
    `arrived` ({(month, siteId): non-spam submissions}) and saves those Queries. `site_ids`
    narrows further; a site-scoped tenant's scope always applies. New is what arrived (not
    spam) minus the leads moved on, never below zero. `consumed` collects the lead counters'
    read units."""
    scope = tenant.site_scope
    wanted = None if scope is None and site_ids is None else set(scope if scope is not None else site_ids) & set(
        site_ids if site_ids is not None else scope)
    stats: dict[tuple[str, str], LeadMonthStats] = {}

    def entry(month: str, site_id: str) -> LeadMonthStats:
        key = (month, site_id)
        if key not in stats:
            stats[key] = LeadMonthStats(month=month, site_id=None if site_id == NO_SITE else site_id,
                                        states={state: 0 for state in STATES})
        return stats[key]

    for item in lead_counter_items(tenant_id=tenant.id, first_month=first_month, last_month=last_month,
                                   consumed=consumed):
        if wanted is not None and item["siteId"] not in wanted:
            continue
        row = entry(item["month"], item["siteId"])
        for state in COUNTED_STATES:
            row.states[state] += max(0, item.get(state, 0))
        row.first_responses += item.get(RESPONSES, 0)
        row.first_response_seconds_total += item.get(RESPONSE_SECONDS, 0)
        for name, value in item.items():
            if name.startswith(BUCKET_PREFIX):
                bound = name[len(BUCKET_PREFIX):]
                row.histogram[bound] = row.histogram.get(bound, 0) + value
    if arrived is None:
        arrived = {}
        for month in _months_between(first_month, last_month):
            per_site = site_counts_between(tenant_id=tenant.id, first_day=f"{month}-01",
                                           last_day=_month_last_day(month).isoformat(), site_ids=wanted)
            arrived.update({(month, site_id): counts.submissions for site_id, counts in per_site.items()})
    for (month, site_id), submissions in arrived.items():
        if not first_month <= month <= last_month or (wanted is not None and site_id not in wanted):
            continue
        row = entry(month, site_id)
        row.states[NEW] = max(0, submissions - sum(row.states[s] for s in COUNTED_STATES))
    return sorted(stats.values(), key=lambda row: (row.month, row.site_id or ""))


def _month_last_day(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    following = date(year + (number == 12), 1 if number == 12 else number + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def lead_state_totals(*, tenant: Tenant, month: str | None = None) -> dict[str, int]:
    """Every state's count for the leads that arrived in `month` (default: this month), summed
    over the sites the user may see: the submissions page's counts."""
    month = month or utcnow().strftime("%Y-%m")
    totals = {state: 0 for state in STATES}
    for row in lead_month_stats(tenant=tenant, first_month=month, last_month=month):
        for state, count in row.states.items():
            totals[state] += count
    return totals
