"""Reads of submissions: newest first across every write shard, one cursor position per
shard, filters by form (FormIndex), date range (ULID sort-key bounds) and spam. FormIndex
holds no payloads: a form-filtered page reads them from the table with one BatchGetItem."""
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
from portal.dynamo.submissions import FormIndex, Submission
from portal.dynamo.tenants import Tenant
from portal.selectors.pagination import Page, cursor_decode, cursor_encode

SPAM_EXCLUDED, SPAM_ONLY, SPAM_ALL = "no", "yes", "all"
DONE = "done"
FORM_SOURCE = "form"
BATCH_GET_LIMIT = 100  # keys per BatchGetItem


@dataclass(frozen=True)
class SubmissionFilters:
    form_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    spam: str = SPAM_EXCLUDED
    site_id: str | None = None  # the API's filters: a site, a delivery status
    delivery_status: str | None = None

    def query_params(self) -> dict:
        params = {"form": self.form_id or "", "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else "",
                  "spam": "" if self.spam == SPAM_EXCLUDED else self.spam}
        if self.site_id:
            params["site"] = self.site_id
        if self.delivery_status:
            params["delivery_status"] = self.delivery_status
        return params

    def signature(self) -> str:
        values = {k: v for k, v in asdict(self).items() if v is not None or k not in ("site_id", "delivery_status")}
        raw = json.dumps(values, default=str, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.date_from, time.min, tzinfo=timezone.utc) if self.date_from else None
        end = datetime.combine(self.date_to, time.max, tzinfo=timezone.utc) if self.date_to else None
        return start, end


def _filter_condition(filters: SubmissionFilters, now: datetime):
    # TTL deletion is best effort: an expired item reads as absent.
    condition = Submission.ttl.does_not_exist() | (Submission.ttl > now)
    if filters.spam == SPAM_EXCLUDED:
        condition &= Submission.spam == False  # noqa: E712 (a DynamoDB condition, not a Python test)
    elif filters.spam == SPAM_ONLY:
        condition &= Submission.spam == True  # noqa: E712
    if filters.site_id:
        condition &= Submission.siteId == filters.site_id
    if filters.delivery_status:
        condition &= Submission.deliveryStatus == filters.delivery_status
    return condition


def _ulid_prefix(moment: datetime) -> str:
    return str(ULID.from_datetime(moment))[:10]


def _sources(tenant: Tenant, filters: SubmissionFilters, now: datetime) -> dict[str, callable]:
    """One query function per partition to merge: every shard, or the form's index partition."""
    scope = Submission.in_tenant(tenant.id)
    condition = _filter_condition(filters, now)
    start, end = filters.time_bounds()
    if filters.form_id:
        key_condition = None
        if start or end:
            key_condition = FormIndex.receivedAt.between(start or datetime(1970, 1, 1, tzinfo=timezone.utc),
                                                         end or datetime(9999, 1, 1, tzinfo=timezone.utc))
        form_key = Submission.form_key_for(tenant.id, filters.form_id)
        return {FORM_SOURCE: lambda **kw: scope.query(form_key, range_key_condition=key_condition,
                                                      filter_condition=condition, index=Submission.form_index,
                                                      scan_index_forward=False, **kw)}
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


def _with_payloads(tenant_id: str, items: list[Submission]) -> list[Submission]:
    """The same submissions read from the table (index items carry no payload), in the same
    order; one that vanished meanwhile (deleted, or another tenant's) is left out."""
    if not items:
        return []
    found = {item.sk: item for item in Submission.in_tenant(tenant_id).batch_get(
        [(item.pk, item.sk) for item in items])}
    return [found[item.sk] for item in items if item.sk in found]


def _hydrated(tenant_id: str, items: Iterable[Submission]) -> Iterator[Submission]:
    """Index items in, full items out, one BatchGetItem per BATCH_GET_LIMIT items."""
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH_GET_LIMIT)):
        yield from _with_payloads(tenant_id, batch)


def submission_list(*, tenant: Tenant, filters: SubmissionFilters, cursor: str | None = None, limit: int = 25,
                    now: datetime | None = None) -> Page[Submission]:
    """One page, newest first. Each shard is queried from its own position for up to `limit`
    items; the newest `limit` of the union are shown and each shard's position advances past
    exactly the items shown."""
    now = now or utcnow()
    list_name = f"submissions:{filters.signature()}"
    positions = cursor_decode(cursor, audience=tenant.id, list_name=list_name) or {}
    sources = _sources(tenant, filters, now)
    index = FormIndex.Meta.index_name if filters.form_id else None
    candidates: dict[str, tuple[list[Submission], bool]] = {}
    for name, query in sources.items():
        position = positions.get(name)
        if position == DONE:
            continue
        iterator = query(limit=limit, last_evaluated_key=position)
        items = [item for _, item in zip(range(limit), iterator)]
        exhausted = len(items) < limit or iterator.last_evaluated_key is None
        candidates[name] = (items, exhausted)
    merged = heapq.nlargest(limit, ((item.sk, name, item) for name, (items, _) in candidates.items() for item in items),
                            key=lambda entry: entry[0])
    shown = [item for _, _, item in merged]
    if filters.form_id:
        shown = _with_payloads(tenant.id, shown)
    next_positions = dict(positions)
    for name, (items, exhausted) in candidates.items():
        taken = [item for _, source, item in merged if source == name]
        if len(taken) == len(items) and exhausted:
            next_positions[name] = DONE
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
    if filters.form_id:
        (query,) = _sources(tenant, filters, now).values()
        yield from _hydrated(tenant.id, query(page_size=page_size))
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


def submission_find(*, tenant_id: str, submission_id: str, shard_count: int, now: datetime | None = None) -> Submission | None:
    """The tenant's submission from whichever shard holds it, or None (unknown, expired, or
    another tenant's)."""
    return Submission.find(tenant_id, submission_id, shard_count=shard_count, now=now)
