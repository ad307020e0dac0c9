"""Consumed capacity per tenant (issue 17, cost per tenant).

Every DynamoDB request asks for its consumed capacity (telemetry.py adds
ReturnConsumedCapacity=TOTAL where the caller did not ask for more). While a `metered()`
block is open in the current context ("these calls are for that tenant": one ingest, one
delivery), each answer's units are added to its Meter, by table, reads and writes apart.
The units are then written onto the tenant's day counters by the write that already happens
(ingest's counter update) or batched per tenant (delivery; portal.dynamo.connection.metering)."""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar

from portal.dynamo.connection.settings import CONNECTION_SETTINGS

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
READ_PREFIX, WRITE_PREFIX = "rcu:", "wcu:"  # counter attributes: `wcu:submissions` (bounded: one per table)
ITEM_OVERHEAD_BYTES = 100  # DynamoDB's per-item (and per index entry) storage overhead


class Meter:
    """Read and write units by table basename (the environment's prefix removed)."""

    def __init__(self, tenant_id: str | None = None):
        self.tenant_id = tenant_id  # whom the units are for, once known
        self.read: Counter = Counter()
        self.write: Counter = Counter()
        self.write_seen = 0.0  # every write unit this meter saw, whatever was taken since

    def take(self) -> "Meter":
        """The units so far, as a new meter; this one starts again from zero."""
        taken = Meter(self.tenant_id)
        taken.read, taken.write = self.read, self.write
        self.read, self.write = Counter(), Counter()
        return taken

    def add_answer(self, *, operation: str, consumed) -> None:
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            table = _basename(entry.get("TableName", "?"))
            read, write = entry.get("ReadCapacityUnits"), entry.get("WriteCapacityUnits")
            if read is None and write is None:  # TOTAL on some servers: only CapacityUnits
                units = float(entry.get("CapacityUnits", 0) or 0)
                if operation in READ_OPERATIONS:
                    read = units
                else:
                    write = units
            if read:
                self.read[table] += float(read)
            if write:
                self.write[table] += float(write)
                self.write_seen += float(write)

    def merge(self, other: "Meter") -> None:
        self.read.update(other.read)
        self.write.update(other.write)

    @property
    def read_units(self) -> float:
        return sum(self.read.values())

    @property
    def write_units(self) -> float:
        return sum(self.write.values())

    def __bool__(self) -> bool:
        return bool(self.read_units or self.write_units)

    def attributes(self) -> dict[str, float]:
        """The counter attributes this meter adds: `rcu:{table}` and `wcu:{table}`."""
        found = {f"{READ_PREFIX}{table}": units for table, units in self.read.items() if units}
        found.update({f"{WRITE_PREFIX}{table}": units for table, units in self.write.items() if units})
        return found


_current: ContextVar[Meter | None] = ContextVar("formbridge_capacity_meter", default=None)


def _basename(table_name: str) -> str:
    prefix = CONNECTION_SETTINGS.get("prefix") or ""
    return table_name[len(prefix):] if prefix and table_name.startswith(prefix) else table_name


@contextmanager
def metered(tenant_id: str | None = None):
    """Collect the units of every DynamoDB call made in this context (thread or task)."""
    meter = Meter(tenant_id)
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def current() -> Meter | None:
    return _current.get()


def carry_shared(meter: Meter, *, tenant_ids: list[str]) -> None:
    """Units of one request made for several tenants (the worker's batched reads): each tenant
    is charged its share, by how many of the request's items were its."""
    if not meter or not tenant_ids:
        return
    shares, total = Counter(tenant_ids), len(tenant_ids)
    for tenant_id, count in shares.items():
        part = Meter(tenant_id)
        part.read = Counter({table: units * count / total for table, units in meter.read.items()})
        part.write = Counter({table: units * count / total for table, units in meter.write.items()})
        pending.carry(tenant_id, part)


# --- botocore hooks (registered by telemetry.instrument) ------------------------------------
def ask_for_capacity(*, params=None, model=None, **_) -> None:
    """Every request that can report its consumed capacity asks for it (TOTAL: free)."""
    if params is not None and model is not None and "ReturnConsumedCapacity" in model.input_shape.members:
        if params.get("ReturnConsumedCapacity") in (None, "NONE"):
            params["ReturnConsumedCapacity"] = "TOTAL"


def observe_capacity(*, parsed=None, model=None, **_) -> None:
    meter = _current.get()
    if meter is None or not isinstance(parsed, dict) or not parsed.get("ConsumedCapacity"):
        return
    meter.add_answer(operation=model.name, consumed=parsed["ConsumedCapacity"])


# --- units not yet written, per tenant (this process) ---------------------------------------
class PendingUnits:
    """Units measured but not yet on a counter: a write's own units (known only after it
    answered) ride on that tenant's next counter write. Per process; lost if it dies (an
    estimate of a few units, never a submission or a count)."""

    MAX_TENANTS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._by_tenant: dict[str, Meter] = {}

    def carry(self, tenant_id: str, meter: Meter) -> None:
        if not meter:
            return
        with self._lock:
            if tenant_id not in self._by_tenant and len(self._by_tenant) >= self.MAX_TENANTS:
                return  # bounded: an estimate may drop units, memory never grows without end
            self._by_tenant.setdefault(tenant_id, Meter()).merge(meter)

    def take(self, tenant_id: str) -> Meter:
        with self._lock:
            return self._by_tenant.pop(tenant_id, None) or Meter()

    def tenants(self) -> list[str]:
        with self._lock:
            return list(self._by_tenant)

    def peek(self, tenant_id: str) -> Meter:
        with self._lock:
            copy = Meter()
            if tenant_id in self._by_tenant:
                copy.merge(self._by_tenant[tenant_id])
            return copy

    def clear(self) -> None:
        with self._lock:
            self._by_tenant.clear()


pending = PendingUnits()


# --- storage estimate ------------------------------------------------------------------------
def _value_size(value: dict) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return (len(str(inner).lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in inner)
    if kind == "L":
        return 3 + sum(_value_size(member) + 1 for member in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + _value_size(member) + 1 for name, member in inner.items())
    return 0


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it (attribute names and values), from its wire dict."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def stored_bytes(actions: list[dict], *, index_keys: tuple[str, ...] = ()) -> int:
    """What the Puts among `actions` add to storage: each item's size plus the per-item
    overhead, and an overhead plus its key for each index entry the item makes (one per
    attribute named in `index_keys` that the item carries: the indexes' hash keys)."""
    total = 0
    for action in actions:
        item = action.get("Put", {}).get("Item")
        if not item:
            continue
        total += item_size(item) + ITEM_OVERHEAD_BYTES
        for key in index_keys:
            if key in item:
                total += ITEM_OVERHEAD_BYTES + _value_size(item[key])
    return total


def index_hash_keys(*models) -> tuple[str, ...]:
    """The stored names of the hash keys of the models' global secondary indexes: an item
    carrying one is in that index (sparse indexes included)."""
    return tuple(index._hash_key_attribute().attr_name for model in models for index in model._indexes.values())
