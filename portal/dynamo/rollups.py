"""Month rollups in the metrics table: one item per tenant and month (SK METRICS#MONTH#{YYYY-MM})
and one per site and month (SK METRICS#MONTH#{YYYY-MM}#S#{siteId}), beside the day items.

A page reads a month, or a 30-day window (the two months it spans), in one BatchGetItem of two
small items, whatever the number of sites, forms and hours the day items hold. The items are
written behind the requests with the day counters (portal.services.ingest.counters), by the
delivery follow-ups and by spam marking, always with ADD; `rollup_put` (the repair command)
replaces one with what the day items say.

Attributes (short names: the item is rewritten on every flush, and write units grow with its
size): the month totals under the day items' names (`submissions`, `spam`, `delivered`,
`failed`, `files`, `fileBytes`, `storedBytes`); per day of the month `s{DD}` submissions,
`x{DD}` spam, `d{DD}` delivered, `f{DD}` failed; per hour of the day `h{HH}`; per form
`form:{formKey}` (at most MONTH_FORMS named forms per item, listed in the string set
`formNames`; the rest count as OTHER_FORMS)."""
from __future__ import annotations

from datetime import date, datetime

from botocore.exceptions import ClientError

from portal.dynamo.connection.capacity import READ_PREFIX, WRITE_PREFIX
from portal.dynamo.metrics import (DELIVERED, FAILED, FILE_BYTES, FILES, FORM_PREFIX, HOUR_PREFIX, OTHER_FORMS, SPAM,
                                   STORED_BYTES, SUBMISSIONS, DailyMetrics, _number, add_clause, counter_items_between,
                                   raw_site_id)

MONTH_ITEM = "METRICS#MONTH#"
SITE_PART = "#S#"
FORM_NAMES = "formNames"
MONTH_FORMS = 50  # named forms per month item: bounded size whatever a site key sends
TOTALS = (SUBMISSIONS, SPAM, DELIVERED, FAILED, FILES, FILE_BYTES, STORED_BYTES)
DAY_LETTERS = {SUBMISSIONS: "s", SPAM: "x", DELIVERED: "d", FAILED: "f"}
BATCH_GET_LIMIT = 100


def month_key(moment: datetime | date) -> str:
    """The one month format of rollup items (UTC, `2030-03`)."""
    return moment.strftime("%Y-%m")


def month_sort_for(month: str, site_id: str | None = None) -> str:
    return f"{MONTH_ITEM}{month}" + (f"{SITE_PART}{site_id}" if site_id else "")


def rollup_counts(*, at: datetime | date, counts: dict[str, int], form_key: str | None = None) -> dict[str, int]:
    """What a day item's delta (`submission_counts`, `delivery_counts`) adds to its month item:
    the totals, the day's and the hour's counters, and the form's (under `form_key`)."""
    day = at.strftime("%d")
    out: dict[str, int] = {}

    def add(name: str, amount: int) -> None:
        out[name] = out.get(name, 0) + amount

    for name, amount in counts.items():
        if not amount:
            continue
        if name in TOTALS:
            add(name, amount)
            if name in DAY_LETTERS:
                add(DAY_LETTERS[name] + day, amount)
            if name == SUBMISSIONS and form_key is not None:
                add(FORM_PREFIX + form_key, amount)
        elif name.startswith(HOUR_PREFIX):
            add("h" + name[len(HOUR_PREFIX):], amount)
    return out


def _update(*, tenant_id: str, month: str, site_id: str | None, counts: dict[str, int]) -> dict:
    names = {"#m": "month"}
    values = {":t": {"S": tenant_id}, ":m": {"S": month}}
    sets = "SET tenantId = :t, #m = :m"
    if site_id:
        values[":s"] = {"S": site_id}
        sets += ", siteId = :s"
    adds = add_clause(counts, names, values)
    return {
        "TableName": DailyMetrics.Meta.table_name,
        "Key": {"pk": {"S": DailyMetrics.partition_for(tenant_id)}, "sk": {"S": month_sort_for(month, site_id)}},
        "UpdateExpression": sets + adds,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def rollup_update_action(*, tenant_id: str, month: str, site_id: str | None, counts: dict[str, int]) -> dict:
    """A TransactWriteItems Update that ADDs `counts` (rollup attribute names) to a month item."""
    return {"Update": _update(tenant_id=tenant_id, month=month, site_id=site_id, counts=counts)}


def rollup_add(*, tenant_id: str, month: str, site_id: str | None, counts: dict[str, int]) -> None:
    """The same ADD on its own (one UpdateItem), creating the item on first use."""
    _client().update_item(**_update(tenant_id=tenant_id, month=month, site_id=site_id, counts=counts))


def rollup_form_name(*, tenant_id: str, month: str, site_id: str | None, form_key: str,
                     limit: int | None = None) -> bool:
    """Whether `form_key` is counted by name on this month item: it is already, or the item
    names fewer than `limit` forms and now names it too (one conditional UpdateItem)."""
    if form_key == OTHER_FORMS:
        return False
    try:
        _client().update_item(
            TableName=DailyMetrics.Meta.table_name,
            Key={"pk": {"S": DailyMetrics.partition_for(tenant_id)}, "sk": {"S": month_sort_for(month, site_id)}},
            UpdateExpression="ADD #n :set",
            ConditionExpression="attribute_not_exists(#n) OR contains(#n, :one) OR size(#n) < :limit",
            ExpressionAttributeNames={"#n": FORM_NAMES},
            ExpressionAttributeValues={":set": {"SS": [form_key]}, ":one": {"S": form_key},
                                       ":limit": {"N": str(MONTH_FORMS if limit is None else limit)}})
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def rollup_put(*, tenant_id: str, month: str, site_id: str | None, counts: dict[str, int],
               form_names: list[str]) -> None:
    """Replace a month item with `counts` (the repair command, from the day items)."""
    item = {"pk": {"S": DailyMetrics.partition_for(tenant_id)}, "sk": {"S": month_sort_for(month, site_id)},
            "tenantId": {"S": tenant_id}, "month": {"S": month}}
    if site_id:
        item["siteId"] = {"S": site_id}
    if form_names:
        item[FORM_NAMES] = {"SS": sorted(form_names)}
    item.update({name: {"N": _number(amount)} for name, amount in counts.items() if amount})
    _client().put_item(TableName=DailyMetrics.Meta.table_name, Item=item)


def rollups_get(*, tenant_id: str, months: list[str], sites: list[str | None]) -> dict[tuple[str, str | None], dict]:
    """The raw month items of `months` for each of `sites` (None: the tenant's own item), by
    (month, site). One BatchGetItem per 100 keys (two months of a tenant: one request)."""
    keys = [(month, site_id) for month in months for site_id in sites]
    found: dict[tuple[str, str | None], dict] = {}
    table = DailyMetrics.Meta.table_name
    partition = DailyMetrics.partition_for(tenant_id)
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request = {table: {"Keys": [{"pk": {"S": partition}, "sk": {"S": month_sort_for(m, s)}}
                                    for m, s in keys[start:start + BATCH_GET_LIMIT]]}}
        while request:
            answer = _client().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(table, []):
                if raw.get("tenantId", {}).get("S") == tenant_id:
                    found[(raw["month"]["S"], raw.get("siteId", {}).get("S"))] = raw
            request = answer.get("UnprocessedKeys") or None
    return found


def site_rollups_month(*, tenant_id: str, month: str) -> dict[str, dict]:
    """Every site's raw month item of one month (one Query; sites are bounded by the plan)."""
    kwargs = {"TableName": DailyMetrics.Meta.table_name,
              "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
              "ExpressionAttributeValues": {":pk": {"S": DailyMetrics.partition_for(tenant_id)},
                                            ":prefix": {"S": month_sort_for(month) + SITE_PART}}}
    found: dict[str, dict] = {}
    while True:
        page = _client().query(**kwargs)
        for raw in page.get("Items", []):
            if raw.get("tenantId", {}).get("S") == tenant_id and "siteId" in raw:
                found[raw["siteId"]["S"]] = raw
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class MonthCounts:
    """One month item read back (or several summed: a client's sites)."""

    def __init__(self, month: str):
        self.month = month
        self.totals: dict[str, int] = dict.fromkeys(TOTALS, 0)
        self.days: dict[str, dict[str, int]] = {}  # "05" -> {"submissions": n, "spam": n, ...}
        self.hours: dict[str, int] = {}
        self.forms: dict[str, int] = {}

    def __getattr__(self, name: str) -> int:
        totals = self.__dict__.get("totals", {})
        if name in totals:
            return totals[name]
        raise AttributeError(name)

    def add_raw(self, raw: dict) -> "MonthCounts":
        letters = {letter: counter for counter, letter in DAY_LETTERS.items()}
        for name, value in raw.items():
            if "N" not in value:
                continue
            number = int(float(value["N"]))
            if name in self.totals:
                self.totals[name] += number
            elif name.startswith(FORM_PREFIX):
                key = name[len(FORM_PREFIX):]
                self.forms[key] = self.forms.get(key, 0) + number
            elif len(name) == 3 and name[0] == "h" and name[1:].isdigit():
                self.hours[name[1:]] = self.hours.get(name[1:], 0) + number
            elif len(name) == 3 and name[0] in letters and name[1:].isdigit():
                day = self.days.setdefault(name[1:], dict.fromkeys(DAY_LETTERS, 0))
                day[letters[name[0]]] += number
        return self

    @classmethod
    def from_counts(cls, month: str, counts: dict[str, int]) -> "MonthCounts":
        """The same from plain attribute counts (what a rebuild would write)."""
        return cls(month).add_raw({name: {"N": str(amount)} for name, amount in counts.items()})

    def day(self, day: date) -> dict[str, int]:
        return self.days.get(day.strftime("%d"), dict.fromkeys(DAY_LETTERS, 0))


def month_counts(raws) -> MonthCounts | None:
    """Several raw items of one month summed (None: none)."""
    raws = list(raws)
    if not raws:
        return None
    counts = MonthCounts(raws[0]["month"]["S"])
    for raw in raws:
        counts.add_raw(raw)
    return counts


def day_item_deltas(*, tenant_id: str, first_day: str, last_day: str):
    """What each day item of the tenant from first_day to last_day counts, plain: (day, site
    id or None, form key or None, counters, units (`rcu:`/`wcu:`), older per-form counters).
    The repair command sums these into month items."""
    for raw in counter_items_between(tenant_id=tenant_id, first_day=first_day, last_day=last_day):
        counts: dict[str, int] = {}
        units: dict[str, float] = {}
        forms: dict[str, int] = {}
        for name, value in raw.items():
            if "N" not in value:
                continue
            if name.startswith((READ_PREFIX, WRITE_PREFIX)):
                units[name] = units.get(name, 0.0) + float(value["N"])
            elif name.startswith(FORM_PREFIX):  # an older day item's per-form counters
                forms[name[len(FORM_PREFIX):]] = int(float(value["N"]))
            else:
                counts[name] = int(float(value["N"]))
        yield (date.fromisoformat(raw["date"]["S"]), raw_site_id(raw), raw.get("formId", {}).get("S"), counts, units,
               forms)


def _client():
    return DailyMetrics._get_connection().connection.client
