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
from contextlib import contextmanager
from functools import wraps

from django.conf import settings

from portal.dynamo.connection import capacity
from portal.dynamo.base import utcnow
from portal.dynamo.metrics import counters_add

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
            counters_add(tenant_id=tenant_id, at=utcnow(), shard=0, counts={}, units=units.attributes())
        except Exception:  # an estimate: keep the units for the next flush, never fail the caller
            log.warning("consumed capacity of tenant %s not recorded yet", tenant_id, exc_info=True)
            capacity.pending.carry(tenant_id, units)
            return False
        finally:
            capacity.pending.carry(tenant_id, own.take())
    return True


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
