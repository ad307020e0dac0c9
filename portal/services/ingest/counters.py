"""Ingest's day counters (issue 10) and the month rollups built from them: bounds on what one day of ingest can add for a site (at
most INGEST_FORMS_PER_SITE_PER_DAY distinct form ids are counted by name, later new ids count
as OTHER_FORMS; at most INGEST_SPAM_PER_SITE_PER_DAY spam posts are stored; both counted on
expiring items of the sessions table, portal.dynamo.expiring.IngestGuards), and the buffer
that writes the counts themselves behind the requests (DayCounterBuffer)."""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from datetime import datetime

from django.conf import settings

from portal.dynamo.connection.metering import costs_record, unmetered
from portal.dynamo.expiring import IngestGuards
from urllib.parse import urlsplit

from portal.dynamo.metrics import FORM_PREFIX, OTHER_FORMS, OTHER_PAGES, STORED_BYTES, SUBMISSIONS, day_key
from portal.dynamo.rollups import month_key, rollup_add, rollup_counts, rollup_form_name
from portal.services.ingest import rate as ingest_rate

log = logging.getLogger("portal")

NO_SITE = "-"  # submissions stored without a site (tests, imports) share one budget
_KEEP_DAYS = 2  # the guards outlive their day by a day (late clocks), then TTL removes them
# Per process: forms already counted by name today, and sites whose forms of the day are full
# (a day's set only grows, so neither can turn stale within the day).
_known_lock = threading.Lock()
_KNOWN_MAX = 50_000


class _Admissions:
    """What this process learned from DynamoDB about a bounded set of names per group (a site's
    forms or pages of a day, a month item's forms): the names admitted, and the groups found
    full. An entry is (*group, name). Forgotten all at once past _KNOWN_MAX entries, so it
    never grows without bound."""

    def __init__(self):
        self.admitted: set[tuple] = set()
        self.full: set[tuple] = set()

    def known(self, entry: tuple) -> bool | None:
        """True: admitted; False: its group is full; None: DynamoDB must be asked."""
        if entry in self.admitted:
            return True
        return False if entry[:-1] in self.full else None

    def learn(self, entry: tuple, *, admitted: bool) -> None:
        with _known_lock:
            if len(self.admitted) + len(self.full) >= _KNOWN_MAX:
                self.clear()
            (self.admitted.add(entry) if admitted else self.full.add(entry[:-1]))

    def clear(self) -> None:
        self.admitted.clear()
        self.full.clear()


_forms = _Admissions()


def _expires(now: datetime) -> int:
    return int(now.timestamp()) + _KEEP_DAYS * 86400


def counted_form(*, tenant_id: str, site_id: str | None, form_id: str, now: datetime) -> str:
    """The form key a submission is counted under: its own id while the site has counted fewer
    than the day's limit of distinct forms (or already counts this one), OTHER_FORMS after.
    A form seen by this process today costs no request."""
    entry = (tenant_id, site_id or NO_SITE, day_key(now), form_id)
    registered = _forms.known(entry)
    if registered is None:
        registered = IngestGuards.day_form_register(
            tenant_id=tenant_id, site_id=entry[1], day=entry[2], form_id=form_id,
            limit=settings.INGEST_FORMS_PER_SITE_PER_DAY, expires_epoch=_expires(now))
        _forms.learn(entry, admitted=registered)
    return form_id if registered else OTHER_FORMS


PAGE_KEY_MAX = 120  # characters of a page key (host and path): the pages' guard item stays small


def page_key(url) -> str | None:
    """The page a submission came from as it is counted: host (lower case, no port, no "www.")
    and path of an http(s) URL, without query or fragment, at most PAGE_KEY_MAX characters;
    None for anything else (no page, not a web address)."""
    if not isinstance(url, str) or not url or len(url) > 4096:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    host = host.removeprefix("www.")
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    key = host + path
    if any(ord(c) < 32 or ord(c) == 127 or c.isspace() for c in key):
        return None
    return key[:PAGE_KEY_MAX]


_pages = _Admissions()


def counted_page(*, tenant_id: str, site_id: str | None, page_url, now: datetime) -> str | None:
    """The page key a submission is counted under: its page while the site has counted fewer
    than INGEST_PAGES_PER_SITE_PER_DAY distinct pages today (or counts this one already),
    OTHER_PAGES after; None without a page. A page this process saw today costs no request."""
    key = page_key(page_url)
    if key is None:
        return None
    entry = (tenant_id, site_id or NO_SITE, day_key(now), key)
    registered = _pages.known(entry)
    if registered is None:
        registered = IngestGuards.day_page_register(
            tenant_id=tenant_id, site_id=entry[1], day=entry[2], page=key,
            limit=settings.INGEST_PAGES_PER_SITE_PER_DAY, expires_epoch=_expires(now))
        _pages.learn(entry, admitted=registered)
    return key if registered else OTHER_PAGES


_days: set[tuple[str, str, int]] = set()


def first_today(*, tenant_id: str, now: datetime, shard: int) -> bool:
    """Whether this process has not yet made sure of the tenant's day item (the DayIndex lists
    tenant-days by it) today: then ingest touches it once, in its transaction."""
    entry = (tenant_id, day_key(now), shard)
    if entry in _days:
        return False
    with _known_lock:
        if len(_days) >= _KNOWN_MAX:
            _days.clear()
        _days.add(entry)
    return True


def forget_today(*, tenant_id: str, now: datetime, shard: int) -> None:
    """The transaction that was to touch the day item did not commit: the next one does."""
    _days.discard((tenant_id, day_key(now), shard))


def spam_slot(*, tenant_id: str, site_id: str | None, now: datetime) -> bool:
    """Whether one more spam post of this site may be stored today."""
    return IngestGuards.capped_hit(key=IngestGuards.spam_key_for(tenant_id, site_id or NO_SITE, day_key(now)),
                                   limit=settings.INGEST_SPAM_PER_SITE_PER_DAY, expires_epoch=_expires(now))


def reset() -> None:
    """Forget what this process knows (tests empty the tables)."""
    _forms.clear()
    _pages.clear()
    _days.clear()
    _month_forms.clear()
    ingest_rate.allowance.clear()
    for buffer in DayCounterBuffer.instances:
        buffer.discard()


class DayCounterBuffer:
    """The day counters of stored submissions, summed per counter item in this process and
    written by one UpdateItem (ADD) per item every INGEST_COUNTERS_FLUSH_SECONDS from a
    background thread: at a few ingests a second and more, the counters cost a small fraction
    of a write per ingest instead of a request and a unit each (issue 10). 0 writes them in
    the request, as it ends (tests, and a single-request tool).

    What a flush wrote to the day items then goes to the month rollups (one UpdateItem per
    tenant-month and per site-month) and, with the consumed capacity it carried, to the
    tenant's cost row of the month (portal.dynamo.connection.metering.costs_record): the
    rollups never count what the day items do not hold.

    A write that fails keeps its counts for the next flush. What is lost: the counts of a
    process killed without warning (SIGKILL) within the last interval; never a submission. A
    normal exit (SIGTERM, gunicorn's graceful stop) flushes first. Bounded: at most MAX_ITEMS
    distinct items wait; more are written at once by the adding request."""

    MAX_ITEMS = 10_000
    instances: "weakref.WeakSet[DayCounterBuffer]" = weakref.WeakSet()

    def __init__(self, *, write, write_month=None, write_costs=None):
        self._write = write  # write(tenant_id=, at=, shard=, form_key=, site_id=, counts=, units=)
        self._write_month = write_month or month_rollup_write
        self._write_costs = write_costs or costs_record
        self._lock = threading.Lock()
        self._items: dict[tuple, dict] = {}
        self._months: dict[tuple, dict] = {}  # (tenant, month, site or None) -> counts, forms
        self._costs: dict[tuple, Counter] = {}  # (tenant, month) -> units and stored bytes
        self._thread: threading.Thread | None = None
        self.instances.add(self)

    def discard(self) -> None:
        """Forget the waiting counts (tests empty the tables they were for)."""
        with self._lock:
            self._items, self._months, self._costs = {}, {}, {}

    def add(self, *, tenant_id: str, at: datetime, shard: int, form_key: str | None, site_id: str | None,
            counts: dict[str, int], units: dict[str, float]) -> None:
        key = (tenant_id, day_key(at), shard, form_key, site_id)
        with self._lock:
            item = self._items.setdefault(key, {"at": at, "counts": Counter(), "units": Counter()})
            item["counts"].update(counts)
            item["units"].update(units)
            full = len(self._items) + len(self._months) + len(self._costs) >= self.MAX_ITEMS
        interval = float(getattr(settings, "INGEST_COUNTERS_FLUSH_SECONDS", 1.0))
        if interval <= 0 or full:
            self.flush()
        else:
            self._start(interval)

    def flush(self) -> None:
        """Write every waiting item (one UpdateItem each), then what they added to the month
        rollups and cost rows; failed writes wait for the next flush."""
        with self._lock:
            items, self._items = self._items, {}
        failed = {}
        for (tenant_id, _day, shard, form_key, site_id), item in items.items():
            try:
                self._write(tenant_id=tenant_id, at=item["at"], shard=shard, form_key=form_key, site_id=site_id,
                            counts=dict(item["counts"]), units=dict(item["units"]))
            except Exception:  # noqa: BLE001 - kept for the next flush (see the class docstring)
                log.warning("day counters of tenant %s not written yet; retried with the next flush", tenant_id,
                            exc_info=True)
                failed[(tenant_id, _day, shard, form_key, site_id)] = item
                continue
            self._roll_up(tenant_id=tenant_id, site_id=site_id, form_key=form_key, item=item)
        if failed:
            with self._lock:
                for key, item in failed.items():
                    waiting = self._items.setdefault(key, {"at": item["at"], "counts": Counter(), "units": Counter()})
                    waiting["counts"].update(item["counts"])
                    waiting["units"].update(item["units"])
        self._flush_rollups()

    def _roll_up(self, *, tenant_id: str, site_id: str | None, form_key: str | None, item: dict) -> None:
        month = month_key(item["at"])
        delta = rollup_counts(at=item["at"], counts=item["counts"])
        with self._lock:
            for site in {None, site_id}:
                entry = self._months.setdefault((tenant_id, month, site), {"counts": Counter(), "forms": Counter()})
                entry["counts"].update(delta)
                if form_key is not None and item["counts"].get(SUBMISSIONS):
                    entry["forms"][form_key] += item["counts"][SUBMISSIONS]
            cost = self._costs.setdefault((tenant_id, month), Counter())
            cost.update(item["units"])
            if item["counts"].get(STORED_BYTES):
                cost[STORED_BYTES] += item["counts"][STORED_BYTES]

    def _flush_rollups(self) -> None:
        with self._lock:
            months, self._months = self._months, {}
            costs, self._costs = self._costs, {}
        failed_months = {}
        for (tenant_id, month, site_id), entry in months.items():
            try:
                with unmetered():  # bookkeeping, charged to nobody
                        self._write_month(tenant_id=tenant_id, month=month, site_id=site_id,
                                      counts=dict(entry["counts"]), forms=dict(entry["forms"]))
            except Exception:  # noqa: BLE001 - kept for the next flush
                log.warning("month rollup of tenant %s not written yet", tenant_id, exc_info=True)
                failed_months[(tenant_id, month, site_id)] = entry
        failed_costs = {}
        if costs:
            try:  # the writer keeps what it could not write for its next call
                self._write_costs(rows={key: dict(amounts) for key, amounts in costs.items()})
            except Exception:  # noqa: BLE001 - kept for the next flush
                log.warning("cost rows not written yet", exc_info=True)
                failed_costs = costs
        with self._lock:
            for key, entry in failed_months.items():
                waiting = self._months.setdefault(key, {"counts": Counter(), "forms": Counter()})
                waiting["counts"].update(entry["counts"])
                waiting["forms"].update(entry["forms"])
            for key, amounts in failed_costs.items():
                self._costs.setdefault(key, Counter()).update(amounts)

    @property
    def waiting(self) -> int:
        return len(self._items)

    def _start(self, interval: float) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, args=(interval,), name="day-counters", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def _run(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("flushing the day counters failed")


# --- month rollups: which forms an item names (at most MONTH_FORMS, decided by DynamoDB) ------
_month_forms = _Admissions()


def month_form_key(*, tenant_id: str, month: str, site_id: str | None, form_key: str) -> str:
    """The key a form is counted under on a month item: its own while the item names fewer
    than MONTH_FORMS forms or names it already, OTHER_FORMS after. Asked of DynamoDB once per
    process, item and form (a conditional UpdateItem in the flush, never in a request)."""
    entry = (tenant_id, month, site_id or NO_SITE, form_key)
    if form_key == OTHER_FORMS:
        return OTHER_FORMS
    named = _month_forms.known(entry)
    if named is None:
        named = rollup_form_name(tenant_id=tenant_id, month=month, site_id=site_id, form_key=form_key)
        _month_forms.learn(entry, admitted=named)
    return form_key if named else OTHER_FORMS


def month_rollup_write(*, tenant_id: str, month: str, site_id: str | None, counts: dict[str, int],
                       forms: dict[str, int]) -> None:
    """One month item's summed delta: its forms named or OTHER_FORMS, then one UpdateItem. Not
    metered for the tenant: like the cost rows, the rollups are the platform's bookkeeping."""
    counts = dict(counts)
    for form_key, amount in forms.items():
        name = FORM_PREFIX + month_form_key(tenant_id=tenant_id, month=month, site_id=site_id, form_key=form_key)
        counts[name] = counts.get(name, 0) + amount
    rollup_add(tenant_id=tenant_id, month=month, site_id=site_id, counts=counts)
