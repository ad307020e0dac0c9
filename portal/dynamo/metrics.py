"""metrics table: counter items per tenant-day (per shard for sharded tenants), updated with
atomic ADD. The day item (SK METRICS#DAY#{day}[#{shard}]) holds spam and delivery outcomes.
Each submission is counted on a small form item beside it (SK ...#F#{formKey}: `submissions`
and `hour:{HH}`), so no item grows with the number of forms: ingest bounds the form keys of a
site and day (portal.services.ingest.counters), the rest count as OTHER_FORMS. Older day
items carried `form:{formId}` attributes; they are still read."""
from datetime import date, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from portal.dynamo.base import TenantOwnedModel
from portal.dynamo.connection.capacity import READ_PREFIX, WRITE_PREFIX

TABLE = "metrics"
FORM_PREFIX = "form:"
HOUR_PREFIX = "hour:"
FORM_ITEM = "#F#"
SITE_ITEM = "#S#"  # form items of a site end with it; a site's spam goes to DAY...#S#{siteId}
STORED_BYTES = "storedBytes"  # bytes of the items ingest stored that day (per site: the sites page's storage;
#                              summed over a tenant's items: the cost page's storage estimate)
OTHER_FORMS = "(other)"  # not a valid form id, so it never mixes with a real one
PAGE_PREFIX = "page:"  # per form item: submissions per page (host and path of meta.page_url), bounded per site-day
OTHER_PAGES = "(other)"  # pages past the day's bound, and submissions without a page URL


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
FILES, FILE_BYTES = "files", "fileBytes"  # uploaded files and their bytes (the month's file storage)
# Delivery outcomes that needed more than one attempt, and how long they took from the row's
# creation to their end (seconds): how long failures lasted, for client reports.
RETRIED, RETRY_SECONDS, FAILED_SECONDS = "retried", "retrySeconds", "failedSeconds"
_NAMED = (SUBMISSIONS, SPAM, DELIVERED, FAILED, FILES, FILE_BYTES, RETRIED, RETRY_SECONDS, FAILED_SECONDS)


def day_key(moment: datetime | date) -> str:
    """The one day format of counter items (UTC ISO date, `2030-03-14`)."""
    return moment.strftime("%Y-%m-%d")



def _number(value: float) -> str:
    """A DynamoDB number for a capacity amount (halves and sums of them, never float noise)."""
    return format(round(float(value), 6), "f").rstrip("0").rstrip(".") or "0"


def add_clause(amounts: dict[str, float], names: dict, values: dict) -> str:
    """` ADD #c0 :v0, ...` for every non-zero amount (attribute names and values registered in
    `names` and `values`), or "" when there is nothing to add."""
    adds = []
    for i, (attribute, amount) in enumerate(sorted(amounts.items())):
        if amount:
            names[f"#c{i}"] = attribute
            values[f":v{i}"] = {"N": _number(amount)}
            adds.append(f"#c{i} :v{i}")
    return " ADD " + ", ".join(adds) if adds else ""


def counter_update_action(*, tenant_id: str, at: datetime, shard: int, counts: dict[str, int],
                          form_key: str | None = None, site_id: str | None = None,
                          units: dict[str, float] | None = None) -> dict:
    """A TransactWriteItems Update that ADDs to the tenant-day counter item of `at` (or, with
    `form_key`, to that form's item of the day; with `site_id` too, to the form's item of that
    site; with `site_id` alone, to the site's item of the day), creating it (and each
    top-level counter such as `hour:07`) on first use. `units` adds consumed capacity
    (`wcu:{table}`, fractional)."""
    day = day_key(at)
    names = {"#d": "date"}
    values = {":t": {"S": tenant_id}, ":day": {"S": day},
              ":g1": {"S": DailyMetrics.day_index_key(day)}, ":g2": {"S": DailyMetrics.partition_for(tenant_id)}}
    sort_key, extra = DailyMetrics.sort_for(day, shard), ""
    if form_key is not None:  # not in the DayIndex: it lists each tenant-day once, by its day item
        sort_key += FORM_ITEM + form_key
        values[":f"] = {"S": form_key}
        extra = ", formId = :f"
    if site_id:  # form ids and site ids never contain "#": the keys cannot collide
        sort_key += SITE_ITEM + site_id
        values[":s"] = {"S": site_id}
        extra += ", siteId = :s"
    if form_key is not None or site_id:
        del values[":g1"], values[":g2"]
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
        "UpdateExpression": f"SET tenantId = :t, #d = :day{extra}"
                            + (", gsi1pk = :g1, gsi1sk = :g2" if ":g1" in values else "")
                            + (" ADD " + ", ".join(adds) if adds else ""),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def counters_add(*, tenant_id: str, at: datetime, shard: int, counts: dict[str, int], form_key: str | None = None,
                 site_id: str | None = None, units: dict[str, float] | None = None) -> None:
    """The same update on its own, outside a transaction (one atomic UpdateItem)."""
    action = counter_update_action(tenant_id=tenant_id, at=at, shard=shard, counts=counts, form_key=form_key,
                                   site_id=site_id, units=units)["Update"]
    DailyMetrics._get_connection().connection.client.update_item(**action)


def ingest_counts(*, form_id: str, hour: int, spam: bool, sign: int = 1) -> dict[str, int]:
    """What one submission adds: spam counts only as spam; the rest per form and per hour too."""
    if spam:
        return {SPAM: sign}
    return {SUBMISSIONS: sign, f"{FORM_PREFIX}{form_id}": sign, f"{HOUR_PREFIX}{hour:02d}": sign}


def submission_counts(*, hour: int, spam: bool, sign: int = 1, files: int = 0, file_bytes: int = 0,
                      stored_bytes: int = 0, page: str | None = None) -> dict[str, int]:
    """What one submission adds to its form item (or, for spam, to the day or site item); its
    files (count and bytes) and its page (`page`, already bounded by ingest) are added to the
    same item, so they cost no extra write. `stored_bytes` (ingest only) is the payload's
    stored size."""
    counts = {SPAM: sign} if spam else {SUBMISSIONS: sign, f"{HOUR_PREFIX}{hour:02d}": sign}
    if page and not spam:
        counts[f"{PAGE_PREFIX}{page}"] = sign
    if files:
        counts.update({FILES: sign * files, FILE_BYTES: sign * file_bytes})
    if stored_bytes:
        counts[STORED_BYTES] = stored_bytes
    return counts


def submission_counter_action(*, tenant_id: str, at: datetime, shard: int, form_key: str, spam: bool,
                              sign: int = 1, site_id: str | None = None) -> dict:
    """The Update that counts (sign=-1: uncounts) one submission: spam on the day item (the
    site's item when it has a site), the rest on the form item of `form_key` (of its site)."""
    return counter_update_action(tenant_id=tenant_id, at=at, shard=shard,
                                 counts=submission_counts(hour=at.hour, spam=spam, sign=sign),
                                 form_key=None if spam else form_key, site_id=site_id)


def delivery_counts(*, delivered: bool, attempts: int = 1, seconds: int = 0) -> dict[str, int]:
    """What one delivery's end (pending -> delivered or failed, counted once) adds: a delivery
    that needed retries, and a failure, add how many seconds passed since the row was made."""
    if not delivered:
        return {FAILED: 1, FAILED_SECONDS: max(0, int(seconds))}
    if attempts > 1:
        return {DELIVERED: 1, RETRIED: 1, RETRY_SECONDS: max(0, int(seconds))}
    return {DELIVERED: 1}


class DayCounts:
    """One day's counters (shards already summed)."""

    def __init__(self, day: str):
        self.day = day
        self.submissions = self.spam = self.delivered = self.failed = self.files = self.fileBytes = 0
        self.retried = self.retrySeconds = self.failedSeconds = 0
        self.forms: dict[str, int] = {}
        self.hours: dict[str, int] = {}
        self.form_hours: dict[str, dict[str, int]] = {}  # per form item: its hour counters

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
                if form_key is not None:
                    hours = self.form_hours.setdefault(form_key, {})
                    hours[key] = hours.get(key, 0) + number


class SiteCounts:
    """One site's counters over some days (what an agency re-bills its client for)."""

    def __init__(self, site_id: str):
        self.site_id = site_id
        self.submissions = self.spam = self.stored_bytes = 0
        self.forms: set[str] = set()

    def add_raw(self, raw: dict) -> None:
        self.submissions += int(raw.get(SUBMISSIONS, {}).get("N", 0))
        self.spam += int(raw.get(SPAM, {}).get("N", 0))
        self.stored_bytes += int(raw.get(STORED_BYTES, {}).get("N", 0))
        form_key = raw.get("formId", {}).get("S")
        if form_key and form_key != OTHER_FORMS:
            self.forms.add(form_key)


def raw_site_id(raw: dict) -> str | None:
    """The site a counter item belongs to (None: the day item, or an item from before sites were counted)."""
    return raw.get("siteId", {}).get("S")


def site_counts_between(*, tenant_id: str, first_day: str, last_day: str,
                        site_ids=None) -> dict[str, SiteCounts]:
    """The same counter items summed per site (only `site_ids`, when given): the same Query."""
    sites: dict[str, SiteCounts] = {}
    for raw in counter_items_between(tenant_id=tenant_id, first_day=first_day, last_day=last_day):
        site_id = raw_site_id(raw)
        if site_id and (site_ids is None or site_id in site_ids):
            sites.setdefault(site_id, SiteCounts(site_id)).add_raw(raw)
    return sites


def day_counts_between(*, tenant_id: str, first_day: str, last_day: str, consumed: list | None = None,
                       site_ids=None) -> dict[str, DayCounts]:
    """Every counter item of a tenant from first_day to last_day (ISO dates, shards included),
    summed per day: one Query (more pages only past 1 MB, i.e. never for 31 days). With
    `site_ids` (a site-scoped user), only those sites' items: the tenant-wide day item
    (delivery outcomes) is left out."""
    days: dict[str, DayCounts] = {}
    for raw in counter_items_between(tenant_id=tenant_id, first_day=first_day, last_day=last_day, consumed=consumed):
        if site_ids is not None and raw_site_id(raw) not in site_ids:
            continue
        day = raw["date"]["S"]
        days.setdefault(day, DayCounts(day)).add_raw(raw)
    return days


def counter_items_between(*, tenant_id: str, first_day: str, last_day: str, consumed: list | None = None):
    """The raw counter items of a tenant from first_day to last_day, a page at a time."""
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
    while True:
        page = client.query(**kwargs)
        if consumed is not None and "ConsumedCapacity" in page:
            consumed.append(page["ConsumedCapacity"].get("CapacityUnits", 0))
        for raw in page.get("Items", []):
            if raw.get("tenantId", {}).get("S") == tenant_id:
                yield raw
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def tenants_with_counters(day: str) -> set[str]:
    """The tenants that have a counter item for `day` (DayIndex, GSI1): who received anything
    that day, without a scan (the worker's silent-form check reads it)."""
    client = DailyMetrics._get_connection().connection.client
    kwargs = {"TableName": DailyMetrics.Meta.table_name, "IndexName": DayIndex.Meta.index_name,
              "KeyConditionExpression": "gsi1pk = :day",
              "ExpressionAttributeValues": {":day": {"S": DailyMetrics.day_index_key(day)}},
              "ProjectionExpression": "tenantId"}
    found: set[str] = set()
    while True:
        page = client.query(**kwargs)
        found.update(raw["tenantId"]["S"] for raw in page.get("Items", []) if "tenantId" in raw)
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class CounterItem:
    """One counter item as plain values: its day, its site and form (None on the tenant's day
    item), and every number it holds by attribute name (`submissions`, `hour:07`, `page:...`)."""

    __slots__ = ("day", "site_id", "form_key", "numbers")

    def __init__(self, *, day: str, site_id: str | None, form_key: str | None, numbers: dict[str, int]):
        self.day, self.site_id, self.form_key, self.numbers = day, site_id, form_key, numbers

    def number(self, name: str) -> int:
        return self.numbers.get(name, 0)

    def prefixed(self, prefix: str) -> dict[str, int]:
        """The counters named `{prefix}{key}`, by key (pages, hours, old per-form attributes)."""
        return {name[len(prefix):]: value for name, value in self.numbers.items() if name.startswith(prefix)}


def counter_items_decoded(*, tenant_id: str, first_day: str, last_day: str,
                          consumed: list | None = None):
    """The tenant's counter items from first_day to last_day (one Query, a page at a time) as
    CounterItem values; consumed capacity units are not counters and are left out."""
    for raw in counter_items_between(tenant_id=tenant_id, first_day=first_day, last_day=last_day, consumed=consumed):
        numbers = {}
        for name, value in raw.items():
            if "N" in value and not name.startswith((READ_PREFIX, WRITE_PREFIX)):
                numbers[name] = int(value["N"])
        yield CounterItem(day=raw["date"]["S"], site_id=raw_site_id(raw), form_key=raw.get("formId", {}).get("S"),
                          numbers=numbers)
