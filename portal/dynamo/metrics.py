"""metrics table: counter items per tenant-day (per shard for sharded tenants), updated with
atomic ADD. The day item (SK METRICS#DAY#{day}[#{shard}]) holds spam and delivery outcomes.
Each submission is counted on a small form item beside it (SK ...#F#{formKey}: `submissions`
and `hour:{HH}`), so no item grows with the number of forms: ingest bounds the form keys of a
site and day (portal.services.ingest_counters), the rest count as OTHER_FORMS. Older day
items carried `form:{formId}` attributes; they are still read."""
from datetime import date, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from .base import TenantOwnedModel
from .capacity import READ_PREFIX, WRITE_PREFIX

TABLE = "metrics"
FORM_PREFIX = "form:"
HOUR_PREFIX = "hour:"
FORM_ITEM = "#F#"
OTHER_FORMS = "(other)"  # not a valid form id, so it never mixes with a real one


class DayIndex(GlobalSecondaryIndex):
    """GSI1: which tenants have counters for one day (staff-wide reports read the counters
    from the table). Only attributes that never change after the day's first write are
    projected, so the ADDs of every later ingest do not write the index at all."""

    class Meta:
        index_name = "GSI1"
        projection = IncludeProjection(["tenantId", "date"])

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class DailyMetrics(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    date = UnicodeAttribute()
    submissions = NumberAttribute(default=0)
    spam = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    day_index = DayIndex()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(day: str, shard: int | None = None) -> str:
        return f"METRICS#DAY#{day}" if not shard else f"METRICS#DAY#{day}#{shard}"

    @staticmethod
    def day_index_key(day: str) -> str:
        return f"METRICS#DAY#{day}"


# --- counters: one builder for every writer (ingest, spam marking, delivery outcomes) -------
SUBMISSIONS, SPAM, DELIVERED, FAILED = "submissions", "spam", "delivered", "failed"
_NAMED = (SUBMISSIONS, SPAM, DELIVERED, FAILED)


def day_key(moment: datetime | date) -> str:
    """The one day format of counter items (UTC ISO date, `2030-03-14`)."""
    return moment.strftime("%Y-%m-%d")


STORED_BYTES = "storedBytes"  # bytes of items ingest stored that day (the storage estimate)


def _number(value: float) -> str:
    """A DynamoDB number for a capacity amount (halves and sums of them, never float noise)."""
    return format(round(float(value), 6), "f").rstrip("0").rstrip(".") or "0"


def counter_update_action(*, tenant_id: str, at: datetime, shard: int, counts: dict[str, int],
                          form_key: str | None = None, units: dict[str, float] | None = None) -> dict:
    """A TransactWriteItems Update that ADDs to the tenant-day counter item of `at` (or, with
    `form_key`, to that form's item of the day), creating it (and each top-level counter such
    as `hour:07`) on first use. `units` adds consumed capacity (`wcu:{table}`, fractional)."""
    day = day_key(at)
    names = {"#d": "date"}
    values = {":t": {"S": tenant_id}, ":day": {"S": day},
              ":g1": {"S": DailyMetrics.day_index_key(day)}, ":g2": {"S": DailyMetrics.partition_for(tenant_id)}}
    sort_key, extra = DailyMetrics.sort_for(day, shard), ""
    if form_key is not None:  # not in the DayIndex: it lists each tenant-day once, by its day item
        sort_key += FORM_ITEM + form_key
        values[":f"] = {"S": form_key}
        del values[":g1"], values[":g2"]
        extra = ", formId = :f"
    adds = []
    amounts = [(attribute, str(int(amount))) for attribute, amount in sorted(counts.items())]
    amounts += [(attribute, _number(amount)) for attribute, amount in sorted((units or {}).items()) if amount]
    for i, (attribute, amount) in enumerate(amounts):
        names[f"#c{i}"] = attribute
        values[f":v{i}"] = {"N": amount}
        adds.append(f"#c{i} :v{i}")
    return {"Update": {
        "TableName": DailyMetrics.Meta.table_name,
        "Key": {"pk": {"S": DailyMetrics.partition_for(tenant_id)}, "sk": {"S": sort_key}},
        "UpdateExpression": f"SET tenantId = :t, #d = :day{extra}" + (
            "" if form_key else ", gsi1pk = :g1, gsi1sk = :g2") + (" ADD " + ", ".join(adds) if adds else ""),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def counters_add(*, tenant_id: str, at: datetime, shard: int, counts: dict[str, int], form_key: str | None = None,
                 units: dict[str, float] | None = None) -> None:
    """The same update on its own, outside a transaction (one atomic UpdateItem)."""
    action = counter_update_action(tenant_id=tenant_id, at=at, shard=shard, counts=counts, form_key=form_key,
                                   units=units)["Update"]
    DailyMetrics._get_connection().connection.client.update_item(**action)


def ingest_counts(*, form_id: str, hour: int, spam: bool, sign: int = 1) -> dict[str, int]:
    """What one submission adds: spam counts only as spam; the rest per form and per hour too."""
    if spam:
        return {SPAM: sign}
    return {SUBMISSIONS: sign, f"{FORM_PREFIX}{form_id}": sign, f"{HOUR_PREFIX}{hour:02d}": sign}


def submission_counts(*, hour: int, spam: bool, sign: int = 1) -> dict[str, int]:
    """What one submission adds to its form item (or, for spam, to the day item)."""
    if spam:
        return {SPAM: sign}
    return {SUBMISSIONS: sign, f"{HOUR_PREFIX}{hour:02d}": sign}


def submission_counter_action(*, tenant_id: str, at: datetime, shard: int, form_key: str, spam: bool,
                              sign: int = 1) -> dict:
    """The Update that counts (sign=-1: uncounts) one submission: spam on the day item, the
    rest on the form item of `form_key`."""
    return counter_update_action(tenant_id=tenant_id, at=at, shard=shard,
                                 counts=submission_counts(hour=at.hour, spam=spam, sign=sign),
                                 form_key=None if spam else form_key)


def delivery_counts(*, delivered: bool) -> dict[str, int]:
    """What one delivery's end (pending -> delivered or failed, counted once) adds."""
    return {DELIVERED: 1} if delivered else {FAILED: 1}


class DayCounts:
    """One day's counters (shards already summed)."""

    def __init__(self, day: str):
        self.day = day
        self.submissions = self.spam = self.delivered = self.failed = 0
        self.forms: dict[str, int] = {}
        self.hours: dict[str, int] = {}
        self.read_units: dict[str, float] = {}  # consumed capacity by table (issue 17)
        self.write_units: dict[str, float] = {}
        self.stored_bytes = 0

    def add_raw(self, raw: dict) -> None:
        form_key = raw.get("formId", {}).get("S")  # a form item: its submissions are that form's
        if form_key is not None:
            self.forms[form_key] = self.forms.get(form_key, 0) + int(raw.get(SUBMISSIONS, {}).get("N", 0))
        for name, value in raw.items():
            if "N" not in value:
                continue
            if name.startswith((READ_PREFIX, WRITE_PREFIX)):
                units = self.read_units if name.startswith(READ_PREFIX) else self.write_units
                table = name[len(READ_PREFIX):]
                units[table] = units.get(table, 0.0) + float(value["N"])
                continue
            number = int(value["N"])
            if name == STORED_BYTES:
                self.stored_bytes += number
            elif name in _NAMED:
                setattr(self, name, getattr(self, name) + number)
            elif name.startswith(FORM_PREFIX):
                key = name[len(FORM_PREFIX):]
                self.forms[key] = self.forms.get(key, 0) + number
            elif name.startswith(HOUR_PREFIX):
                key = name[len(HOUR_PREFIX):]
                self.hours[key] = self.hours.get(key, 0) + number


def day_counts_between(*, tenant_id: str, first_day: str, last_day: str, consumed: list | None = None) -> dict[str, DayCounts]:
    """Every counter item of a tenant from first_day to last_day (ISO dates, shards included),
    summed per day: one Query (more pages only past 1 MB, i.e. never for 31 days)."""
    client = DailyMetrics._get_connection().connection.client
    kwargs = {
        "TableName": DailyMetrics.Meta.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":pk": {"S": DailyMetrics.partition_for(tenant_id)},
            ":lo": {"S": DailyMetrics.sort_for(first_day)},
            ":hi": {"S": DailyMetrics.sort_for(last_day) + "#~"},  # shard items sort after the day
        },
        "ReturnConsumedCapacity": "TOTAL",
    }
    days: dict[str, DayCounts] = {}
    while True:
        page = client.query(**kwargs)
        if consumed is not None and "ConsumedCapacity" in page:
            consumed.append(page["ConsumedCapacity"].get("CapacityUnits", 0))
        for raw in page.get("Items", []):
            if raw.get("tenantId", {}).get("S") != tenant_id:
                continue
            day = raw["date"]["S"]
            days.setdefault(day, DayCounts(day)).add_raw(raw)
        if "LastEvaluatedKey" not in page:
            return days
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
