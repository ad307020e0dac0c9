"""Lead inbox storage: the lead's state lives on its submission item (portal.dynamo.submissions:
leadState, assignee, starred, archived and the LeadIndex / AssigneeIndex), notes and counters
live here, each in the table whose life it shares:

- Notes (LeadNote) sit in the deliveries table, in their submission's partition
  (PK SUB#{submissionId}, SK NOTE#{ulid}): one Query gives a submission's notes, they carry the
  submission's ttl (they expire with it), and deleting a submission for good (privacy erase)
  already deletes every item of that partition. No new table with TTL (see docs/leads.md).
- Counters sit in the metrics table, one item per tenant, month of arrival and site
  (PK TENANT#{tenantId}, SK LEADS#{yyyy-mm}#S#{siteId}): how many of that month's leads are in
  each state other than New (New is what arrived minus these), and the first-response times
  (count, sum and a bounded histogram, so a median needs no scan). Updated with atomic ADD in
  the same transaction as the state change, so they never drift from the items."""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, VersionAttribute

from portal.dynamo.base import TenantOwnedModel, UTCDateTimeAttribute, dynamodb_client, utcnow
from portal.dynamo.deliveries import NOTE_SORT_PREFIX, TABLE as DELIVERIES_TABLE, Delivery
from portal.dynamo.metrics import DailyMetrics, add_clause

NEW, OPEN, REPLIED, WON, LOST, CLOSED = "NEW", "OPEN", "REPLIED", "WON", "LOST", "CLOSED"
STATES = (NEW, OPEN, REPLIED, WON, LOST, CLOSED)
COUNTED_STATES = (OPEN, REPLIED, WON, LOST, CLOSED)  # New is derived: arrived minus these
# AssigneeIndex sort prefix: an assignee's partition read newest-first lists New, then Open,
# Replied and the outcomes, each newest first.
STATE_RANK = {NEW: "6", OPEN: "5", REPLIED: "4", WON: "3", LOST: "2", CLOSED: "1"}
NOTE, REPLY = "note", "reply"
NOTE_PREFIX = NOTE_SORT_PREFIX
# First-response histogram: upper bounds in seconds (the last bucket holds everything slower).
# A fixed, small set of attributes, so the counter item never grows with the data.
RESPONSE_BUCKETS = (300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 2 * 86400, 4 * 86400,
                    7 * 86400, 14 * 86400)
RESPONSES, RESPONSE_SECONDS, BUCKET_PREFIX = "firstResponses", "firstResponseSeconds", "frt:"
OVER = "over"


def bucket_of(seconds: int) -> str:
    for bound in RESPONSE_BUCKETS:
        if seconds <= bound:
            return f"{BUCKET_PREFIX}{bound}"
    return f"{BUCKET_PREFIX}{OVER}"


class LeadNote(TenantOwnedModel):
    """One note (or a reply sent from the portal) on a submission."""

    table_basename = DELIVERIES_TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    tenantId = UnicodeAttribute()
    siteId = UnicodeAttribute(null=True)  # the submission's: a CLIENT's scope applies to notes too
    submissionId = UnicodeAttribute()
    kind = UnicodeAttribute(default=NOTE)
    author = UnicodeAttribute()  # the author's e-mail (users are keyed by it)
    authorName = UnicodeAttribute(default="")
    body = UnicodeAttribute()
    replyTo = UnicodeAttribute(null=True)  # a reply: the address it was sent to
    createdAt = UTCDateTimeAttribute(default_for_new=utcnow)
    editedAt = UTCDateTimeAttribute(null=True)
    ttl = TTLAttribute(null=True)  # the submission's expiry: the note goes with it
    version = VersionAttribute()

    @staticmethod
    def partition_for(submission_id: str) -> str:
        return Delivery.partition_for(submission_id)

    @staticmethod
    def sort_for(note_id: str) -> str:
        return f"{NOTE_PREFIX}{note_id}"

    def sync_keys(self) -> None:
        self.pk = self.partition_for(self.submissionId)
        self.sk = self.sort_for(self.id)

    @classmethod
    def of_submission(cls, tenant_id: str, submission_id: str, *, site_ids=None, limit: int | None = None,
                      now: datetime | None = None) -> list["LeadNote"]:
        """The submission's notes, oldest first (one Query on its partition, NOTE# items only)."""
        now = now or utcnow()
        scope = cls.in_tenant(tenant_id, site_ids=site_ids)
        found = scope.query(cls.partition_for(submission_id), range_key_condition=cls.sk.startswith(NOTE_PREFIX),
                            limit=limit)
        return [note for note in found if note.ttl is None or note.ttl > now]

    @classmethod
    def count_of(cls, tenant_id: str, submission_id: str, *, up_to: int) -> int:
        """How many notes a submission has, counting no further than `up_to`."""
        scope = cls.in_tenant(tenant_id)
        return sum(1 for _ in scope.query(cls.partition_for(submission_id),
                                          range_key_condition=cls.sk.startswith(NOTE_PREFIX), limit=up_to))

    def put_action(self) -> dict:
        """A TransactWriteItems Put of this new note (fails if the id exists)."""
        self.sync_keys()
        self.version = 1
        return {"Put": {"TableName": self.Meta.table_name, "Item": self.serialize(),
                        "ConditionExpression": "attribute_not_exists(pk)"}}


def is_note_sort_key(sort_key: str) -> bool:
    return sort_key.startswith(NOTE_PREFIX)


# --- counters in the metrics table -------------------------------------------------------------
NO_SITE = "-"


def month_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def counter_sort_for(month: str, site_id: str | None) -> str:
    return f"LEADS#{month}#S#{site_id or NO_SITE}"


def lead_counter_action(*, tenant_id: str, received_at: datetime, site_id: str | None,
                        counts: dict[str, int]) -> dict:
    """A TransactWriteItems Update that ADDs `counts` (state names, RESPONSES, bucket names) to
    the counter item of the lead's month of arrival and site, creating it on first use."""
    names, values = {"#m": "month"}, {":t": {"S": tenant_id}, ":m": {"S": month_key(received_at)},
                                    ":s": {"S": site_id or NO_SITE}}
    adds = add_clause({name: int(amount) for name, amount in counts.items()}, names, values)
    return {"Update": {
        "TableName": DailyMetrics.Meta.table_name,
        "Key": {"pk": {"S": DailyMetrics.partition_for(tenant_id)},
                "sk": {"S": counter_sort_for(month_key(received_at), site_id)}},
        "UpdateExpression": "SET tenantId = :t, #m = :m, siteId = :s" + adds,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }}


def lead_counter_items(*, tenant_id: str, first_month: str, last_month: str,
                       consumed: list | None = None) -> list[dict]:
    """The tenant's lead counter items from first_month to last_month (yyyy-mm), as plain dicts
    {"month", "siteId", <counter>: int}: one Query on the metrics partition (`consumed`
    collects its read units)."""
    client = dynamodb_client()
    kwargs = {
        "TableName": DailyMetrics.Meta.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":pk": {"S": DailyMetrics.partition_for(tenant_id)},
                                      ":lo": {"S": f"LEADS#{first_month}#"}, ":hi": {"S": f"LEADS#{last_month}#~"}},
    }
    if consumed is not None:
        kwargs["ReturnConsumedCapacity"] = "TOTAL"
    found = []
    while True:
        page = client.query(**kwargs)
        if consumed is not None:
            consumed.append(page.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))
        for raw in page.get("Items", []):
            if raw.get("tenantId", {}).get("S") != tenant_id:
                continue
            item = {"month": raw["month"]["S"], "siteId": raw["siteId"]["S"]}
            for name, value in raw.items():
                if "N" in value:
                    item[name] = int(value["N"])
            found.append(item)
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
