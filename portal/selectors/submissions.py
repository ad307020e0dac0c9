"""Reads of submissions: newest first across every write shard, one cursor position per
shard, filters by form (FormIndex), submitter e-mail (EmailIndex), delivery status
(StatusIndex for the statuses that need attention), site, date range (ULID sort-key bounds)
and spam. Index items hold no payloads: an index-backed page reads them from the table with one
BatchGetItem.

Every read goes through `Submission.in_tenant(tenant.id, site_ids=tenant.site_scope)`: a
site-scoped user (a CLIENT) never gets another site's submission, whatever the filters say.

A page is one bounded set of queries: each partition (shard or index partition) is read for at
most READS_PER_SOURCE DynamoDB pages, and a filter applied after reading reads at least
SELECTIVE_ITEMS_PER_ROW items per row asked. When a filter matches more rarely than that, a page
may show fewer items than asked, and its "next" link continues where the reading stopped."""
from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone
from itertools import islice
from typing import Iterable, Iterator

from ulid import ULID

from portal.dynamo.base import utcnow
from portal.dynamo.delivery_status import NEEDS_ATTENTION
from portal.dynamo.submissions import (LEAD_NEW, AssigneeIndex, EmailIndex, FormIndex, LeadIndex, StatusIndex,
                                       Submission)
from portal.dynamo.tenants import Tenant
from portal.selectors.pagination import Page, cursor_decode, cursor_encode

SPAM_EXCLUDED, SPAM_ONLY, SPAM_ALL = "no", "yes", "all"
DONE = "done"
FORM_SOURCE = "form"
STATUS_SOURCE = "status"
EMAIL_SOURCE = "email"
LEAD_SOURCE = "lead"
ASSIGNEE_SOURCE = "assignee"
ARCHIVED_HIDDEN, ARCHIVED_ONLY, ARCHIVED_ALL = "", "yes", "all"
# Sources whose items carry the lead attributes (the table, and the two lead indexes): the
# lead filters run in DynamoDB there; other indexes' pages are filtered once read.
_LEAD_AWARE = (None, LeadIndex.Meta.index_name, AssigneeIndex.Meta.index_name)
BATCH_GET_LIMIT = 100  # keys per BatchGetItem
READS_PER_SOURCE = 4  # DynamoDB pages one list page reads from each partition, at most
# A filter DynamoDB applies after reading (a site, a status without its index, spam only) reads
# at least this many items per row asked, over all partitions: a filter that keeps one item in
# ten fills every page; a rarer one shows fewer rows and a "next" link that searches on.
SELECTIVE_ITEMS_PER_ROW = 10


@dataclass(frozen=True)
class SubmissionFilters:
    form_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    spam: str = SPAM_EXCLUDED
    site_id: str | None = None
    status: str | None = None  # a DeliveryStatus value
    email: str | None = None  # the submitter's address, normalised: the EmailIndex (every other filter but the lead ones applies)
    lead_state: str | None = None  # NEW, OPEN, REPLIED, WON, LOST, CLOSED
    assignee: str | None = None  # a team member's e-mail: the AssigneeIndex
    starred: bool = False  # only starred leads
    archived: str = ARCHIVED_HIDDEN  # archived leads are hidden unless asked for

    def query_params(self) -> dict:
        return {"form": self.form_id or "", "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else "",
                "spam": "" if self.spam == SPAM_EXCLUDED else self.spam,
                "site": self.site_id or "", "status": self.status or "", "email": self.email or "",
                "state": self.lead_state or "", "assignee": self.assignee or "", "starred": "1" if self.starred else "",
                "archived": self.archived or ""}

    def signature(self) -> str:
        values = {k: v for k, v in asdict(self).items() if v is not None or k not in ("site_id", "delivery_status")}
        raw = json.dumps(values, default=str, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.date_from, time.min, tzinfo=timezone.utc) if self.date_from else None
        end = datetime.combine(self.date_to, time.max, tzinfo=timezone.utc) if self.date_to else None
        return start, end

    @property
    def by_status_index(self) -> bool:
        return self.status in NEEDS_ATTENTION

    @property
    def by_lead_index(self) -> bool:
        return bool(self.lead_state) and self.lead_state != LEAD_NEW and not self.assignee

    @property
    def selective(self) -> bool:
        """Whether DynamoDB drops many of the items it reads (a filter no key narrows)."""
        return bool(self.site_id or (self.status and not self.by_status_index)
                    or (self.form_id and self.by_status_index) or self.spam == SPAM_ONLY)

    @property
    def index_name(self) -> str | None:
        """The index the filtered set is read from (None: the table's shards)."""
        if self.email:
            return EmailIndex.Meta.index_name
        if self.assignee:
            return AssigneeIndex.Meta.index_name
        if self.by_lead_index:
            return LeadIndex.Meta.index_name
        if self.by_status_index:
            return StatusIndex.Meta.index_name
        return FormIndex.Meta.index_name if self.form_id else None


def submission_scope(tenant: Tenant):
    """The one scope every read of a tenant's submissions goes through: the tenant, and the
    signed-in user's sites when the role has a site scope."""
    return Submission.in_tenant(tenant.id, site_ids=tenant.site_scope)


def lead_matches(filters: SubmissionFilters, item: Submission) -> bool:
    """The lead filters, in Python: for pages read from an index that does not carry them."""
    if filters.lead_state and item.lead_state != filters.lead_state:
        return False
    if filters.assignee and item.assignee != filters.assignee:
        return False
    if filters.starred and not item.starred:
        return False
    if filters.archived == ARCHIVED_HIDDEN and item.archived:
        return False
    return not (filters.archived == ARCHIVED_ONLY and not item.archived)


def _lead_conditions(filters: SubmissionFilters) -> list:
    conditions = []
    if filters.lead_state == LEAD_NEW:
        conditions.append(Submission.leadState.does_not_exist())
    elif filters.lead_state and not filters.by_lead_index and not filters.assignee:
        conditions.append(Submission.leadState == filters.lead_state)
    if filters.starred:
        conditions.append(Submission.starred == True)  # noqa: E712 (a DynamoDB condition)
    if filters.archived == ARCHIVED_HIDDEN:
        conditions.append(Submission.archived.does_not_exist())
    elif filters.archived == ARCHIVED_ONLY:
        conditions.append(Submission.archived == True)  # noqa: E712
    return conditions


def _filter_condition(filters: SubmissionFilters, now: datetime):
    if filters.email:
        # The EmailIndex projects the site only: the site is filtered here, the rest on the
        # full items (_email_rest_matches); expired items are dropped when the page reads the table.
        return Submission.siteId == filters.site_id if filters.site_id else None
    # TTL deletion is best effort: an expired item reads as absent. The StatusIndex does not
    # project ttl (DynamoDB refuses a filter on it there): its pages drop expired items when
    # they read the table.
    lead_index = filters.assignee or filters.by_lead_index
    status_index = filters.by_status_index and not lead_index
    conditions = [] if status_index else [Submission.ttl.does_not_exist() | (Submission.ttl > now)]
    if filters.index_name in _LEAD_AWARE:
        conditions += _lead_conditions(filters)
    if filters.spam == SPAM_EXCLUDED:
        conditions.append(Submission.spam == False)  # noqa: E712 (a DynamoDB condition, not a Python test)
    elif filters.spam == SPAM_ONLY:
        conditions.append(Submission.spam == True)  # noqa: E712
    if filters.site_id:
        conditions.append(Submission.siteId == filters.site_id)
    if filters.status and not status_index:
        conditions.append(Submission.deliveryStatus == filters.status)
    if filters.form_id and (status_index or lead_index):
        conditions.append(Submission.formId == filters.form_id)
    condition = None
    for part in conditions:
        condition = part if condition is None else condition & part
    return condition


def _email_rest_matches(filters: SubmissionFilters, item: Submission) -> bool:
    """The filters the EmailIndex cannot apply (it projects the site only), checked on the
    full item: an address search combines with form, spam and delivery status."""
    if filters.form_id and item.formId != filters.form_id:
        return False
    if filters.spam == SPAM_EXCLUDED and item.spam or filters.spam == SPAM_ONLY and not item.spam:
        return False
    return not filters.status or item.deliveryStatus == filters.status


def _ulid_prefix(moment: datetime) -> str:
    return str(ULID.from_datetime(moment))[:10]


def _sources(tenant: Tenant, filters: SubmissionFilters, now: datetime) -> dict[str, callable]:
    """One query function per partition to merge: every shard, or one index partition."""
    scope = submission_scope(tenant)
    condition = _filter_condition(filters, now)
    start, end = filters.time_bounds()
    if filters.assignee and not filters.email:
        # One person's leads by state then newest first: a state narrows to its prefix.
        key = Submission.assignee_key_for(tenant.id, filters.assignee)
        sort = AssigneeIndex.assigneeSort
        key_condition = sort.startswith(Submission.assignee_state_prefix(filters.lead_state)) if filters.lead_state else None
        if filters.lead_state and (start or end):
            prefix = Submission.assignee_state_prefix(filters.lead_state)
            key_condition = sort.between(prefix + (Submission.receivedAt.serialize(start) if start else ""),
                                         prefix + (Submission.receivedAt.serialize(end) if end else "~"))
        return {ASSIGNEE_SOURCE: lambda **kw: scope.query(key, range_key_condition=key_condition,
                                                          filter_condition=condition, index=Submission.assignee_index,
                                                          scan_index_forward=False, **kw)}
    if filters.by_lead_index and not filters.email:
        key = Submission.lead_key_for(tenant.id, filters.lead_state)
        key_condition = None
        if start or end:
            key_condition = LeadIndex.receivedAt.between(start or datetime(1970, 1, 1, tzinfo=timezone.utc),
                                                         end or datetime(9999, 1, 1, tzinfo=timezone.utc))
        return {LEAD_SOURCE: lambda **kw: scope.query(key, range_key_condition=key_condition, filter_condition=condition,
                                                      index=Submission.lead_index, scan_index_forward=False, **kw)}
    if filters.by_status_index and not filters.email:
        low, high = Submission.status_sort_bounds(filters.status, start, end)
        status_key = Submission.status_key_for(tenant.id)
        return {STATUS_SOURCE: lambda **kw: scope.query(status_key, range_key_condition=StatusIndex.statusSort.between(
            low, high), filter_condition=condition, index=Submission.status_index, scan_index_forward=False, **kw)}
    if filters.email or filters.form_id:
        # Both indexes sort a partition by receivedAt.
        name, index, key = ((EMAIL_SOURCE, Submission.email_index, Submission.email_key_for(tenant.id, filters.email))
                            if filters.email else
                            (FORM_SOURCE, Submission.form_index, Submission.form_key_for(tenant.id, filters.form_id)))
        key_condition = None
        if start or end:
            key_condition = type(index).receivedAt.between(start or datetime(1970, 1, 1, tzinfo=timezone.utc),
                                                           end or datetime(9999, 1, 1, tzinfo=timezone.utc))
        return {name: lambda **kw: scope.query(key, range_key_condition=key_condition, filter_condition=condition,
                                               index=index, scan_index_forward=False, **kw)}
    key_condition = None
    if start or end:
        low, high = Submission.sort_bounds(_ulid_prefix(start) if start else "0" * 10,
                                           _ulid_prefix(end) if end else "7" + "Z" * 9)
        key_condition = Submission.sk.between(low, high)
    sources = {}
    for shard in range(max(1, int(tenant.shardCount))):
        partition = Submission.partition_for(tenant.id, shard)
        sources[str(shard)] = (lambda p: lambda **kw: scope.query(
            p, range_key_condition=key_condition, filter_condition=condition, scan_index_forward=False, **kw))(partition)
    return sources


def _with_payloads(tenant: Tenant, items: list[Submission], now: datetime | None = None) -> list[Submission]:
    """The same submissions read from the table (index items carry no payload), in the same
    order; one that vanished meanwhile (deleted, expired, another tenant's or another site's)
    is left out."""
    if not items:
        return []
    now = now or utcnow()
    found = {item.sk: item for item in submission_scope(tenant).batch_get([(item.pk, item.sk) for item in items])}
    return [found[item.sk] for item in items
            if item.sk in found and not (found[item.sk].ttl is not None and found[item.sk].ttl <= now)]


def _hydrated(tenant: Tenant, items: Iterable[Submission]) -> Iterator[Submission]:
    """Index items in, full items out, one BatchGetItem per BATCH_GET_LIMIT items."""
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH_GET_LIMIT)):
        yield from _with_payloads(tenant, batch)


@dataclass
class _Read:
    items: list[Submission]
    exhausted: bool
    frontier: dict | None = None  # where the reading stopped on its page budget (a LastEvaluatedKey)

    @property
    def frontier_sk(self) -> str | None:
        return self.frontier["sk"]["S"] if self.frontier else None


def _read(query, *, position: dict | None, limit: int, page_size: int) -> _Read:
    """Up to `limit` matching items from `position`, reading at most READS_PER_SOURCE pages of
    `page_size` items each."""
    items, exhausted, frontier = Submission.read_pages(query(last_evaluated_key=position, page_size=page_size),
                                                       enough=limit, max_pages=READS_PER_SOURCE)
    return _Read(items, exhausted=exhausted, frontier=frontier)


def _selective_page_size(limit: int, *, partitions: int) -> int:
    """Items per DynamoDB page for a filter applied after reading: SELECTIVE_ITEMS_PER_ROW
    items per row asked over all partitions, and never less than `limit` per page."""
    return max(limit, -(-SELECTIVE_ITEMS_PER_ROW * limit // (max(1, partitions) * READS_PER_SOURCE)))


def submission_list(*, tenant: Tenant, filters: SubmissionFilters, cursor: str | None = None, limit: int = 25,
                    now: datetime | None = None) -> Page[Submission]:
    """One page, newest first. Each partition is read from its own position for up to `limit`
    items (and at most READS_PER_SOURCE pages); the newest `limit` of the union are shown, and
    each position advances past exactly the items shown. A partition that stopped on its page
    budget draws a line: nothing older than where it stopped is shown on this page, so the
    order across pages stays exact."""
    now = now or utcnow()
    list_name = f"submissions:{filters.signature()}"
    positions = cursor_decode(cursor, audience=tenant.id, list_name=list_name) or {}
    sources = _sources(tenant, filters, now)
    index = filters.index_name
    reads: dict[str, _Read] = {}
    # One item more than shown: a partition that has no more says so now, so the last full page
    # offers no "older" link to an empty page. A filter DynamoDB applies after reading keeps
    # its read budget (READS_PER_SOURCE pages per partition) and reads on for the extra item.
    page_size = _selective_page_size(limit, partitions=len(sources)) if filters.selective else limit + 1
    for name, query in sources.items():
        position = positions.get(name)
        if position != DONE:
            reads[name] = _read(query, position=position, limit=limit + 1, page_size=page_size)
    line = max((r.frontier_sk for r in reads.values() if r.frontier), default=None)
    if len(reads) == 1:
        line = None  # one partition: its own order is the page's order

    def shown_here(item: Submission) -> bool:
        return line is None or item.sk > line

    if len(reads) == 1:
        # One partition keeps its own order (the AssigneeIndex sorts by state first).
        merged = [(item.sk, name, item) for name, read in reads.items() for item in read.items][:limit]
    else:
        merged = heapq.nlargest(limit, ((item.sk, name, item) for name, read in reads.items()
                                        for item in read.items if shown_here(item)), key=lambda entry: entry[0])
    shown = [item for _, _, item in merged]
    if index:
        shown = _with_payloads(tenant, shown, now)
        if index not in _LEAD_AWARE and not filters.email:
            shown = [item for item in shown if lead_matches(filters, item)]
    if filters.email:
        # Narrowed after the positions are counted: a page may show fewer than `limit`.
        shown = [item for item in shown if _email_rest_matches(filters, item)]
    next_positions = dict(positions)
    for name, read in reads.items():
        taken = [item for _, source, item in merged if source == name]
        if len(taken) < len(read.items):
            if taken:
                next_positions[name] = taken[-1].start_key(index=index)
        elif read.exhausted:
            next_positions[name] = DONE
        elif read.frontier:
            next_positions[name] = read.frontier
        elif taken:
            next_positions[name] = taken[-1].start_key(index=index)
    more = any(next_positions.get(name) != DONE for name in sources)
    next_cursor = cursor_encode(next_positions, audience=tenant.id, list_name=list_name) if more else None
    return Page(items=shown, next_cursor=next_cursor, has_previous=bool(cursor), query_params=filters.query_params())


def submission_iter(*, tenant: Tenant, filters: SubmissionFilters, now: datetime | None = None,
                    page_size: int = 500) -> Iterator[Submission]:
    """Every submission of the filtered set, newest first, lazily: one query page per shard in
    memory at a time (exports)."""
    now = now or utcnow()
    if filters.index_name:
        (query,) = _sources(tenant, filters, now).values()
        aware = filters.index_name in _LEAD_AWARE or bool(filters.email)
        for item in _hydrated(tenant, query(page_size=page_size)):
            if (aware or lead_matches(filters, item)) and (not filters.email or _email_rest_matches(filters, item)):
                yield item
        return
    iterators = [iter(query(page_size=page_size)) for query in _sources(tenant, filters, now).values()]
    heads = {}
    for number, iterator in enumerate(iterators):
        item = next(iterator, None)
        if item is not None:
            heads[number] = item
    while heads:
        number = max(heads, key=lambda n: heads[n].sk)
        yield heads[number]
        item = next(iterators[number], None)
        if item is None:
            del heads[number]
        else:
            heads[number] = item


def submission_find(*, tenant_id: str, submission_id: str, shard_count: int, now: datetime | None = None,
                    site_ids=None) -> Submission | None:
    """The tenant's submission from whichever shard holds it, or None (unknown, expired,
    another tenant's, or outside `site_ids` when a site scope is given)."""
    return Submission.find(tenant_id, submission_id, shard_count=shard_count, now=now, site_ids=site_ids)


def submission_iter_by_email(*, tenant: Tenant, email: str, page_size: int = 100) -> Iterator[Submission]:
    """Every submission (all sites the user may see, spam included) whose submitter address is
    `email` (normalised), newest first: one EmailIndex query, the items read in batches."""
    filters = SubmissionFilters(email=email, spam=SPAM_ALL)
    (query,) = _sources(tenant, filters, utcnow()).values()
    yield from _hydrated(tenant, query(page_size=page_size))
