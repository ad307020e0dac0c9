"""Consumed capacity per tenant, onto the tenant's day counters (the staff cost page).

Around one ingest request, each delivery and each tenant portal page, "the DynamoDB calls
made here are for this tenant" (portal.dynamo.connection.capacity meters them through the botocore
hook). Ingest writes its units with the counter update it makes anyway
(portal.services.ingest.store); deliveries add them to the tenant's pending units, written with
one UpdateItem per tenant at most every CAPACITY_FLUSH_SECONDS per process; a page's units
wait, pending, for the tenant's next counter write (a page writes nothing itself). A write's own units are known only after it answered:
they wait, pending, for that tenant's next counter write."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from functools import wraps

from django.conf import settings

from portal.dynamo.connection import capacity
from portal.dynamo.base import utcnow
from portal.dynamo.costs import RANK, TENANTS, cost_add, platform_cost_add
from portal.dynamo.metrics import STORED_BYTES, counters_add

log = logging.getLogger("portal")

_flushed_at: dict[str, float] = {}
_flush_lock = threading.Lock()
clock = time.monotonic


@contextmanager
def tenant_metering(tenant_id: str | None = None):
    """Meter the DynamoDB calls in this block for `tenant_id` (or for the tenant set on the
    meter later, `meter.tenant_id = ...`). Units not written by the block itself are left
    pending for the tenant. Nested blocks share the outer meter."""
    outer = capacity.current()
    if outer is not None:
        if tenant_id and not outer.tenant_id:
            outer.tenant_id = tenant_id
        yield outer
        return
    with capacity.metered(tenant_id) as meter:
        try:
            yield meter
        finally:
            if meter.tenant_id:
                capacity.pending.carry(meter.tenant_id, meter.take())


@contextmanager
def unmetered():
    """The DynamoDB calls in this block are charged to nobody (the platform's bookkeeping: the
    month rollups and cost rows), even inside a tenant's metered request."""
    with capacity.metered(None):
        yield


def metered_request(view):
    """Ingest views: the whole request's calls (key lookup, rate window, the writes) count
    for the tenant the request turns out to be for; refused before that, for nobody."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with tenant_metering():
            return view(request, *args, **kwargs)
    return wrapper


def units_to_record(*, tenant_id: str) -> dict[str, float]:
    """The units to add with a counter write that is about to happen for this tenant: what
    the current meter has collected plus what was pending; both are emptied."""
    units = capacity.pending.take(tenant_id)
    meter = capacity.current()
    if meter is not None:
        units.merge(meter.take())
    return units.attributes()


def units_not_recorded(*, tenant_id: str, units: dict[str, float]) -> None:
    """A counter write carrying `units` failed: keep them pending for the next one."""
    meter = capacity.Meter(tenant_id)
    for name, amount in units.items():
        table = name[len(capacity.READ_PREFIX):]
        (meter.read if name.startswith(capacity.READ_PREFIX) else meter.write)[table] += amount
    capacity.pending.carry(tenant_id, meter)


def capacity_flush(*, tenant_id: str, force: bool = False) -> bool:
    """Write the tenant's pending units onto today's day item (one UpdateItem), unless this
    process did so less than CAPACITY_FLUSH_SECONDS ago. True when it wrote."""
    now = clock()
    with _flush_lock:
        if not force and now - _flushed_at.get(tenant_id, -1e9) < settings.CAPACITY_FLUSH_SECONDS:
            return False
        if len(_flushed_at) > capacity.PendingUnits.MAX_TENANTS:
            _flushed_at.clear()
        _flushed_at[tenant_id] = now
    units = capacity.pending.take(tenant_id)
    if not units:
        return False
    with capacity.metered(tenant_id) as own:
        try:
            capacity_record(tenant_id=tenant_id, at=utcnow(), units=units.attributes())
        except Exception:  # an estimate: keep the units for the next flush, never fail the caller
            log.warning("consumed capacity of tenant %s not recorded yet", tenant_id, exc_info=True)
            capacity.pending.carry(tenant_id, units)
            return False
        finally:
            capacity.pending.carry(tenant_id, own.take())
    return True


def capacity_record(*, tenant_id: str, at: datetime, units: dict[str, float], stored_bytes: int = 0) -> None:
    """Record consumed capacity (and stored bytes) for a tenant: on today's day item (one
    UpdateItem; the repair command rebuilds cost rows from these) and on its cost row of the
    month (costs_record). Raises when the day item was not written (nothing was recorded)."""
    counters_add(tenant_id=tenant_id, at=at, shard=0, counts={STORED_BYTES: stored_bytes} if stored_bytes else {},
                 units=units)
    costs_record(rows={(tenant_id, at.strftime("%Y-%m")): {**units, STORED_BYTES: stored_bytes}})


# --- cost rows: one per tenant and month, and the platform's sums (portal.dynamo.costs) -------
_rows_waiting: dict[tuple[str, str], Counter] = {}  # (tenant, month) -> amounts not written yet
_platform_waiting: dict[str, Counter] = {}  # month -> sums whose platform write failed


def cost_rank(amounts: dict[str, float]) -> float:
    """The estimated cost (micro-USD) of `amounts` at today's prices: the cost rows' sort key.
    The page shows the cost at the prices of the day it is read; a price change reorders
    rows only as new units arrive."""
    write = sum(v for k, v in amounts.items() if k.startswith(capacity.WRITE_PREFIX))
    read = sum(v for k, v in amounts.items() if k.startswith(capacity.READ_PREFIX))
    stored = amounts.get(STORED_BYTES, 0)
    return (write * float(settings.COST_USD_PER_MILLION_WRITE_UNITS)
            + read * float(settings.COST_USD_PER_MILLION_READ_UNITS)
            + stored / 1024 ** 3 * float(settings.COST_USD_PER_GB_MONTH) * 1_000_000)


def costs_record(*, rows: dict[tuple[str, str], dict[str, float]]) -> None:
    """Add consumed capacity and stored bytes to each (tenant, month) cost row (one UpdateItem
    each) and their sums to the platform row of each month (one UpdateItem per month, for all
    the rows of this call). A failed write waits in this process for the next call (bounded
    like the pending units). Not metered: the cost page's bookkeeping is nobody's traffic."""
    with unmetered():
        _costs_record(rows=rows)


def _costs_record(*, rows: dict[tuple[str, str], dict[str, float]]) -> None:
    with _flush_lock:
        for key, amounts in rows.items():
            if key in _rows_waiting or len(_rows_waiting) < capacity.PendingUnits.MAX_TENANTS:
                _rows_waiting.setdefault(key, Counter()).update({k: v for k, v in amounts.items() if v})
        todo = dict(_rows_waiting)
        _rows_waiting.clear()
    for (tenant_id, month), amounts in todo.items():
        amounts = {name: value for name, value in amounts.items() if value}
        if not amounts:
            continue
        ranked = {**amounts, RANK: cost_rank(amounts)}
        try:
            created = cost_add(tenant_id=tenant_id, month=month, amounts=ranked)
        except Exception:  # noqa: BLE001 - an estimate: retried with the next call
            log.warning("cost row of tenant %s not written yet", tenant_id, exc_info=True)
            with _flush_lock:
                _rows_waiting.setdefault((tenant_id, month), Counter()).update(amounts)
            continue
        with _flush_lock:
            sums = _platform_waiting.setdefault(month, Counter())
            sums.update(ranked)
            sums[TENANTS] += 1 if created else 0
    with _flush_lock:
        waiting = dict(_platform_waiting)
        _platform_waiting.clear()
    for month, sums in waiting.items():
        try:
            platform_cost_add(month=month, amounts=dict(sums))
        except Exception:  # noqa: BLE001 - the sums wait for the next call
            log.warning("platform cost row of %s not written yet", month, exc_info=True)
            with _flush_lock:
                _platform_waiting.setdefault(month, Counter()).update(sums)


def capacity_flush_all() -> int:
    """Flush every tenant's pending units now (a worker stopping, tests); how many wrote."""
    return sum(capacity_flush(tenant_id=tenant_id, force=True) for tenant_id in capacity.pending.tenants())


@contextmanager
def batched_metering(*, tenant_id: str):
    """Around one delivery: its calls count for its tenant; the tenant's units are written at
    most every CAPACITY_FLUSH_SECONDS (batched over that time)."""
    with tenant_metering(tenant_id):
        yield
    try:
        capacity_flush(tenant_id=tenant_id)
    except Exception:  # noqa: BLE001 - never let bookkeeping fail a delivery or a page
        log.warning("consumed capacity flush failed for tenant %s", tenant_id, exc_info=True)


def reset() -> None:
    """Forget this process's pending units, flush and check times (tests empty the tables)."""
    capacity.pending.clear()
    _flushed_at.clear()
    _platform_waiting.clear()
    _rows_waiting.clear()
