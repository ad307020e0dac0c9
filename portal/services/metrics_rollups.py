"""Repair of the month rollups and cost rows from the day items they summarise.

The rollups (portal.dynamo.rollups) and cost rows (portal.dynamo.costs) are only ever added
to, behind the requests; a process killed between writing a day item and its rollup, or an
older release that wrote day items only, leaves them short. `rollups_rebuild` recomputes a
tenant's month from its day items (one Query, the same one the dashboard used to make),
`rollups_drift` says where the stored items differ, and `manage.py metrics_rollups` runs both
for every tenant. A rebuild replaces whole items: counts a flush adds to an item between the
rebuild's read and its write are overwritten, so run it again (or while traffic is quiet) and
check that no drift is left."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.dynamo.connection.metering import cost_rank
from portal.dynamo.costs import RANK, cost_rows_put
from portal.dynamo.metrics import FORM_PREFIX, OTHER_FORMS, STORED_BYTES, SUBMISSIONS
from portal.dynamo import rollups
from portal.dynamo.rollups import (MonthCounts, day_item_deltas, month_key, rollup_counts, rollup_put, rollups_get,
                                   site_rollups_month)


@dataclass
class RebuiltMonth:
    """What a tenant's month items should hold, from its day items."""

    month: str
    items: dict[str | None, Counter] = field(default_factory=dict)  # site (None: the tenant's) -> attributes
    forms: dict[str | None, Counter] = field(default_factory=dict)
    cost: Counter = field(default_factory=Counter)  # units and stored bytes (the cost row)

    def add(self, site_id: str | None, counts: dict[str, int], forms: dict[str, int]) -> None:
        self.items.setdefault(site_id, Counter()).update(counts)
        self.forms.setdefault(site_id, Counter()).update(forms)

    def attributes(self, site_id: str | None) -> tuple[dict[str, int], list[str]]:
        """The item's counters with its forms named (the busiest MONTH_FORMS) or folded into
        OTHER_FORMS, and the names."""
        counts = dict(self.items.get(site_id, Counter()))
        forms = self.forms.get(site_id, Counter())
        ranked = sorted(((k, n) for k, n in forms.items() if k != OTHER_FORMS), key=lambda kv: (-kv[1], kv[0]))
        named = [k for k, _ in ranked[:rollups.MONTH_FORMS]]
        other = forms.get(OTHER_FORMS, 0) + sum(n for _, n in ranked[rollups.MONTH_FORMS:])
        for key in named:
            counts[FORM_PREFIX + key] = forms[key]
        if other:
            counts[FORM_PREFIX + OTHER_FORMS] = other
        return counts, named


def _month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def rollups_rebuild(*, tenant_id: str, month: date) -> RebuiltMonth:
    """The month items of one tenant as its day items say they should be (nothing written)."""
    first, last = _month_bounds(month)
    rebuilt = RebuiltMonth(month=month_key(first))
    for at, site_id, form_key, counts, units, forms in day_item_deltas(
            tenant_id=tenant_id, first_day=first.isoformat(), last_day=last.isoformat()):
        rebuilt.cost.update(units)
        if counts.get(STORED_BYTES):
            rebuilt.cost[STORED_BYTES] += counts[STORED_BYTES]
        if form_key is not None and counts.get(SUBMISSIONS):
            forms[form_key] = forms.get(form_key, 0) + counts[SUBMISSIONS]
        delta = rollup_counts(at=at, counts=counts)
        rebuilt.add(None, delta, forms)
        if site_id:
            rebuilt.add(site_id, delta, forms)
    return rebuilt


def _comparable(counts: MonthCounts) -> tuple:
    forms = dict(counts.forms)
    return ({k: v for k, v in counts.totals.items() if v},
            {d: {k: v for k, v in values.items() if v} for d, values in counts.days.items() if any(values.values())},
            {h: n for h, n in counts.hours.items() if n},
            {k: n for k, n in forms.items() if n})


def rollups_drift(*, tenant_id: str, month: date, rebuilt: RebuiltMonth | None = None) -> list[str]:
    """Where the tenant's stored month items differ from its day items: one line per item
    (empty: none). Two requests (the day items, the stored items) plus one Query of sites."""
    rebuilt = rebuilt or rollups_rebuild(tenant_id=tenant_id, month=month)
    key = rebuilt.month
    stored = {None: rollups_get(tenant_id=tenant_id, months=[key], sites=[None]).get((key, None))}
    stored.update(site_rollups_month(tenant_id=tenant_id, month=key))
    drift = []
    for site_id in sorted(set(stored) | set(rebuilt.items), key=lambda s: s or ""):
        want = MonthCounts.from_counts(key, rebuilt.attributes(site_id)[0])
        have = MonthCounts(key).add_raw(stored.get(site_id) or {})
        if _comparable(want) != _comparable(have):
            what = f"site {site_id}" if site_id else "tenant"
            drift.append(f"{tenant_id} {key} {what}: rollup {_comparable(have)[0]} != day items {_comparable(want)[0]}"
                         if _comparable(want)[0] != _comparable(have)[0] else
                         f"{tenant_id} {key} {what}: per day, hour or form counts differ from the day items")
    return drift


def rollups_repair(*, tenant_id: str, month: date, rebuilt: RebuiltMonth | None = None) -> RebuiltMonth:
    """Replace the tenant's month items with what its day items say (one PutItem per item)."""
    rebuilt = rebuilt or rollups_rebuild(tenant_id=tenant_id, month=month)
    for site_id in rebuilt.items:
        counts, named = rebuilt.attributes(site_id)
        rollup_put(tenant_id=tenant_id, month=rebuilt.month, site_id=site_id, counts=counts, form_names=named)
    return rebuilt


def cost_rows_repair(*, month: date, rebuilt: dict[str, RebuiltMonth]) -> int:
    """Replace the month's cost rows and platform row with the rebuilt tenants' (every tenant
    must be given: the platform row is their sum). How many tenant rows were written."""
    rows = {}
    for tenant_id, month_rebuilt in rebuilt.items():
        amounts = {name: value for name, value in month_rebuilt.cost.items() if value}
        if amounts:
            rows[tenant_id] = {**amounts, RANK: cost_rank(amounts)}
    cost_rows_put(month=month_key(month), rows=rows)
    return len(rows)
