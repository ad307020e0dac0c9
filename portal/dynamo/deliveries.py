"""deliveries table: PK SUB#{submissionId}; SK DEST#{destinationId} for the delivery and
DEST#{destinationId}#ATTEMPT#{n} for each attempt, so one query gives the whole timeline.
Two indexes, each read by code: DueIndex (the worker's queue) and DestinationIndex (a
destination's failed deliveries and attempt log). There is no per-tenant delivery index:
nothing queried it and it cost write units on every save (dynamo_migrate drops it).

Write units are what this table costs (measured in bench/delivery_bench.py): the successful
attempt of a delivery is kept on the delivery row itself (the "recorded attempt" attributes,
named like an attempt item's, so the row is the attempt log's entry too) instead of an item of
its own; failed attempts are items of their own. The DueIndex projects only what the worker
needs to pick a row, so taking a lease (which changes nothing projected) writes no index.
Rows and attempts expire with their submission (ttl)."""
import zlib
from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.constants import ALL_NEW
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from portal.dynamo.base import TenantOwnedModel, UTCDateTimeAttribute, dynamodb_client, utcnow
from portal.dynamo.connection.capacity import item_size
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import EMAIL

TABLE = "deliveries"
SCHEDULED, MANUAL, TEST = "scheduled", "manual", "test"  # what triggered an attempt
DUE_SHARDS = 8
NOTE_SORT_PREFIX = "NOTE#"  # lead notes live in a submission's partition too (portal.dynamo.leads)  # the due queue is spread over a few partitions so none gets hot


# What the worker reads from the due queue to pick a row (the claim returns the whole row).
DUE_PROJECTION = ["tenantId", "submissionId", "destinationId"]


class DueIndex(GlobalSecondaryIndex):
    """Sparse: dueShard is set only while the delivery is pending. A claim leaves the index
    keys and these attributes alone, so it costs no index write."""

    class Meta:
        index_name = "DueIndex"
        projection = IncludeProjection(DUE_PROJECTION)

    dueShard = UnicodeAttribute(hash_key=True)
    nextAttemptAt = UTCDateTimeAttribute(range_key=True)


class DestinationIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "DestinationIndex"
        projection = AllProjection()

    destKey = UnicodeAttribute(hash_key=True)
    destStatusSort = UnicodeAttribute(range_key=True)


class Delivery(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    submissionId = UnicodeAttribute()
    destinationId = UnicodeAttribute()
    formId = UnicodeAttribute(null=True)
    siteId = UnicodeAttribute(null=True)  # the submission's site: a bulk retry re-checks the routing with it
    status = UnicodeAttribute(default=DeliveryStatus.PENDING)
    attemptCount = NumberAttribute(default=0)
    createdAt = UTCDateTimeAttribute(default_for_new=utcnow)
    updatedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    nextAttemptAt = UTCDateTimeAttribute(null=True)
    dueShard = UnicodeAttribute(null=True)
    leaseOwner = UnicodeAttribute(null=True)
    leaseExpiresAt = UTCDateTimeAttribute(null=True)
    lastStatusCode = NumberAttribute(null=True)
    lastError = UnicodeAttribute(null=True)
    # Attempts made in the current schedule (reset by a bulk retry); attemptCount numbers
    # every attempt ever claimed, so each claim owns a unique attempt number.
    scheduleStep = NumberAttribute(default=0)
    nextTrigger = UnicodeAttribute(default=SCHEDULED)  # trigger of the next attempt
    destKey = UnicodeAttribute(null=True)
    destStatusSort = UnicodeAttribute(null=True)
    version = VersionAttribute()
    ttl = TTLAttribute(null=True)  # the submission's expiry: the row goes with it
    # How many delivery rows ingest planned for the submission: with 1 (and none added later,
    # see Submission.deliveriesAdded) this row's outcome is the submission's status.
    deliveriesPlanned = NumberAttribute(null=True)
    # The recorded attempt: the successful one, stored on the row (attribute names as on an
    # attempt item, so the row reads as one in the DestinationIndex's attempt log).
    recordedNumber = NumberAttribute(null=True, attr_name="number")
    recordedTrigger = UnicodeAttribute(null=True, attr_name="trigger")
    recordedAt = UTCDateTimeAttribute(null=True, attr_name="attemptedAt")
    recordedChannel = UnicodeAttribute(null=True, attr_name="channel")
    recordedStatusCode = NumberAttribute(null=True, attr_name="statusCode")
    recordedBody = UnicodeAttribute(null=True, attr_name="responseBody")
    recordedDurationMs = NumberAttribute(null=True, attr_name="durationMs")
    recordedSucceeded = NumberAttribute(null=True, attr_name="succeeded")

    due_index = DueIndex()
    destination_index = DestinationIndex()

    RECORDED = ("recordedNumber", "recordedTrigger", "recordedAt", "recordedChannel", "recordedStatusCode",
                "recordedBody", "recordedDurationMs", "recordedSucceeded")

    @staticmethod
    def partition_for(submission_id: str) -> str:
        return f"SUB#{submission_id}"

    @staticmethod
    def sort_for(destination_id: str) -> str:
        return f"DEST#{destination_id}"

    @staticmethod
    def dest_key_for(destination_id: str) -> str:
        return f"DEST#{destination_id}"

    @staticmethod
    def dest_status_prefix(status: str) -> str:
        return f"STATUS#{status}#"

    @staticmethod
    def dest_status_sort(status: str, stamp) -> str:
        return f"STATUS#{status}#{stamp.isoformat()}"

    @property
    def message_id(self) -> str:
        """Stable across retries, so receivers can drop duplicates (Standard Webhooks)."""
        return f"msg_{self.submissionId}_{self.destinationId}"

    @staticmethod
    def due_shard_for(submission_id: str) -> str:
        return f"DUE#{zlib.crc32(submission_id.encode()) % DUE_SHARDS}"

    @property
    def due_shard_number(self) -> int | None:
        """Which due-queue shard the row is in (None when it is not pending)."""
        return int(self.dueShard.rpartition("#")[2]) if self.dueShard else None

    @property
    def is_pending(self) -> bool:
        return self.status == DeliveryStatus.PENDING

    def sync_index_keys(self) -> None:
        self.pk = self.partition_for(self.submissionId)
        self.sk = self.sort_for(self.destinationId)
        stamp = self.updatedAt.isoformat()
        self.destKey = self.dest_key_for(self.destinationId)
        if self.status == DeliveryStatus.DELIVERED and self.recordedAt is not None:
            # Delivered: nothing lists delivered rows by status; the row is the attempt log's
            # entry of its successful attempt instead (one index item, not two).
            self.destStatusSort = DeliveryAttempt.log_sort_for(self.recordedAt, self.pk)
        else:
            self.destStatusSort = f"STATUS#{self.status}#{stamp}"
        pending = self.is_pending and self.nextAttemptAt is not None
        self.dueShard = self.due_shard_for(self.submissionId) if pending else None

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)

    def claim_update(self, *, actions: list, condition) -> None:
        """A conditional UpdateItem of this row that reads the whole row back (the worker
        picked it from the narrow DueIndex) and bumps the version; raises UpdateError when
        `condition` fails. The caller's condition replaces the version check."""
        data = self._get_connection().update_item(
            self.pk, range_key=self.sk, actions=actions + [Delivery.version.add(1)], condition=condition,
            return_values=ALL_NEW)
        self.deserialize(data["Attributes"])

    def claim_statement(self, *, worker_id: str, now: datetime, expires: datetime) -> dict:
        """claim_update's twin for a BatchExecuteStatement: a PartiQL UPDATE of this row that
        takes the lease (and the next attempt number, and bumps the version) only while the
        row is pending, due by `now` and unleased (or its lease ran out), returning the whole
        row. For the batch it belongs to, a failed condition fails this statement alone."""
        stamp = Delivery.nextAttemptAt.serialize
        return {
            "Statement": f'UPDATE "{self.Meta.table_name}" SET "leaseOwner" = ? SET "leaseExpiresAt" = ? '
                         'SET "attemptCount" = "attemptCount" + ? SET "version" = "version" + ? '
                         'WHERE "pk" = ? AND "sk" = ? AND "status" = ? AND "nextAttemptAt" <= ? '
                         'AND (attribute_not_exists("leaseExpiresAt") OR "leaseExpiresAt" < ?) RETURNING ALL NEW *',
            "Parameters": [{"S": worker_id}, {"S": stamp(expires)}, {"N": "1"}, {"N": "1"}, {"S": self.pk},
                           {"S": self.sk}, {"S": DeliveryStatus.PENDING}, {"S": stamp(now)}, {"S": stamp(now)}],
        }

    def outcome_statement(self, *, lease_owner: str) -> dict:
        """save()'s twin for a BatchExecuteStatement: the row as it is now (every attribute set,
        the empty ones removed, the version bumped), written only while `lease_owner` still
        holds the lease at the version read. Call `saved()` once it applied."""
        self.sync_index_keys()
        item = self.serialize()
        item["version"] = {"N": str(int(self.version or 0) + 1)}
        sets = [(name, value) for name, value in item.items() if name not in ("pk", "sk")]
        removes = [attribute.attr_name for attribute in self.get_attributes().values() if attribute.attr_name not in item]
        version_check = '"version" = ?' if self.version is not None else 'attribute_not_exists("version")'
        return {
            "Statement": f'UPDATE "{self.Meta.table_name}" ' + " ".join(f'SET "{name}" = ?' for name, _ in sets)
                         + "".join(f' REMOVE "{name}"' for name in removes)
                         + f' WHERE "pk" = ? AND "sk" = ? AND "leaseOwner" = ? AND {version_check}',
            "Parameters": [value for _, value in sets] + [{"S": self.pk}, {"S": self.sk}, {"S": lease_owner}]
                          + ([{"N": str(int(self.version))}] if self.version is not None else []),
        }

    def read_back(self) -> bool:
        """Load the row as stored now (a consistent read of its own key); False if it is gone."""
        try:
            self.refresh(consistent_read=True)
        except self.DoesNotExist:
            return False
        return True

    def stored_bytes(self) -> int:
        """The row's size as DynamoDB counts it (what its writes are charged by)."""
        return item_size(self.serialize())

    def saved(self) -> None:
        """The outcome statement applied: the row's version is the one it wrote."""
        self.version = int(self.version or 0) + 1

    def recorded_attempt(self) -> "DeliveryAttempt | None":
        """The attempt kept on the row (its successful one), as an attempt item would read."""
        if self.recordedAt is None or self.recordedNumber is None:
            return None
        return DeliveryAttempt(
            pk=self.pk, sk=DeliveryAttempt.sort_for(self.destinationId, int(self.recordedNumber)),
            tenantId=self.tenantId, submissionId=self.submissionId, destinationId=self.destinationId,
            number=int(self.recordedNumber), trigger=self.recordedTrigger or SCHEDULED, attemptedAt=self.recordedAt,
            channel=self.recordedChannel, statusCode=self.recordedStatusCode, responseBody=self.recordedBody,
            durationMs=int(self.recordedDurationMs or 0), error=None, succeeded=int(self.recordedSucceeded or 0),
            ttl=self.ttl)

    def record_attempt(self, attempt: "DeliveryAttempt | None") -> None:
        """Keep `attempt` on the row (None forgets the recorded one)."""
        for name in self.RECORDED:
            setattr(self, name, None)
        if attempt is not None:
            self.recordedNumber, self.recordedTrigger, self.recordedAt = attempt.number, attempt.trigger, attempt.attemptedAt
            self.recordedChannel, self.recordedStatusCode = attempt.channel, attempt.statusCode
            self.recordedBody, self.recordedDurationMs = attempt.responseBody, attempt.durationMs
            self.recordedSucceeded = attempt.succeeded

    @classmethod
    def due_in_shard(cls, shard: int, before, limit: int = 25):
        """The worker's queue, across tenants by design: it serves every tenant."""
        return cls._unscoped_query(
            f"DUE#{shard}", range_key_condition=DueIndex.nextAttemptAt <= before,
            index_name="DueIndex", limit=limit,
        )

    @classmethod
    def due_queue_by_shard(cls, *, now) -> list[tuple[int, int, datetime | None]]:
        """Per shard: (shard, rows due by `now`, the oldest one's due time or None): one COUNT
        query and one Limit=1 query of the sparse DueIndex each, which holds only pending rows
        (no scan). For the operators' metrics, across tenants by design."""
        found = []
        for shard in range(DUE_SHARDS):
            key, due = f"DUE#{shard}", DueIndex.nextAttemptAt <= now
            depth = cls._unscoped_count(key, range_key_condition=due, index_name="DueIndex")
            oldest = None
            for row in cls._unscoped_query(key, range_key_condition=due, index_name="DueIndex", limit=1):
                oldest = row.nextAttemptAt
            found.append((shard, depth, oldest))
        return found

    @classmethod
    def due_queue_stats(cls, *, now) -> tuple[int, datetime | None]:
        """Rows due by `now` over every shard, and the oldest one's due time (None when none)."""
        shards = cls.due_queue_by_shard(now=now)
        oldest = [at for _s, _d, at in shards if at is not None]
        return sum(d for _s, d, _a in shards), (min(oldest) if oldest else None)

    def put_action(self) -> dict:
        """A TransactWriteItems Put of this new row at version 1 (fails if the row exists)."""
        self.version = 1
        self.sync_index_keys()
        return {"Put": {"TableName": self.Meta.table_name, "Item": self.serialize(),
                        "ConditionExpression": "attribute_not_exists(pk)"}}


class DeliveryAttempt(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    submissionId = UnicodeAttribute()
    destinationId = UnicodeAttribute()
    number = NumberAttribute()
    trigger = UnicodeAttribute(default=SCHEDULED)  # scheduled, manual, test
    attemptedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    channel = UnicodeAttribute(null=True)  # how it was sent: the destination type, WEBHOOK or EMAIL
    statusCode = NumberAttribute(null=True)  # the webhook receiver's HTTP status; never set for e-mail
    responseBody = UnicodeAttribute(null=True)
    durationMs = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    succeeded = NumberAttribute(default=0)
    # Attempts are in the DestinationIndex too (sort ATTEMPT#{time}), which makes each
    # destination's attempt log one newest-first query.
    destKey = UnicodeAttribute(null=True)
    destStatusSort = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)

    destination_index = DestinationIndex()

    LOG_PREFIX = "ATTEMPT#"

    @classmethod
    def log_sort_for(cls, attempted_at, partition: str) -> str:
        return f"{cls.LOG_PREFIX}{attempted_at.isoformat()}#{partition}"

    @staticmethod
    def sort_for(destination_id: str, number: int) -> str:
        # Zero-padded so attempts sort numerically within the delivery.
        return f"DEST#{destination_id}#ATTEMPT#{number:03d}"

    @staticmethod
    def test_partition_for(test_id: str) -> str:
        """Test events belong to no submission: their attempts get a partition of their own."""
        return f"SUB#test_{test_id}"

    @property
    def is_test(self) -> bool:
        return self.trigger == TEST

    @property
    def outcome(self) -> DeliveryStatus:
        """The attempt's result in the delivery vocabulary."""
        return DeliveryStatus.DELIVERED if self.succeeded else DeliveryStatus.FAILED

    @property
    def result_label(self) -> str:
        """What the pages show as the answer: the HTTP status of a webhook, or whether the mail
        server accepted an e-mail ("" when nothing answered; the error says why)."""
        if self.channel == EMAIL:
            return "e-mail accepted" if self.succeeded else ""
        return f"HTTP {self.statusCode}" if self.statusCode is not None else ""

    def sync_index_keys(self) -> None:
        self.destKey = Delivery.dest_key_for(self.destinationId)
        self.destStatusSort = self.log_sort_for(self.attemptedAt, self.pk)

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)


def is_attempt_sort_key(sort_key: str) -> bool:
    return "#ATTEMPT#" in sort_key


def submission_rows(tenant_id: str, submission_id: str, *, consistent: bool = False
                    ) -> tuple[list[Delivery], list[DeliveryAttempt]]:
    """One query on SUB#{id}: the submission's delivery rows and every attempt, split by type.
    The tenantId filter keeps another tenant's rows out whatever id is asked for."""
    connection = Delivery._get_connection()
    deliveries, attempts = [], []
    start = None
    while True:
        data = connection.query(Delivery.partition_for(submission_id), filter_condition=Delivery.tenantId == tenant_id,
                                consistent_read=consistent, exclusive_start_key=start)
        for raw in data.get("Items", []):
            if raw["sk"]["S"].startswith(NOTE_SORT_PREFIX):
                continue  # a lead note shares the partition (portal.dynamo.leads)
            if is_attempt_sort_key(raw["sk"]["S"]):
                attempts.append(DeliveryAttempt.from_raw_data(raw))
            else:
                delivery = Delivery.from_raw_data(raw)
                deliveries.append(delivery)
                recorded = delivery.recorded_attempt()
                if recorded is not None:
                    attempts.append(recorded)
        start = data.get("LastEvaluatedKey")
        if not start:
            # A recorded attempt being moved to an item of its own may be read twice: once.
            unique = {(a.sk, a.number): a for a in attempts}
            return deliveries, list(unique.values())


def submission_rows_delete(tenant_id: str, submission_id: str) -> None:
    """Delete for good every delivery row and attempt of one submission (a privacy request):
    keys from a consistent query on SUB#{id}, then BatchWriteItem deletes (unversioned by
    design: nothing may survive). Only this tenant's rows are touched."""
    client = dynamodb_client()
    kwargs = {
        "TableName": Delivery.Meta.table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": Delivery.partition_for(submission_id)}},
        "ProjectionExpression": "pk, sk, tenantId",
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**kwargs)
        keys = [{"pk": row["pk"], "sk": row["sk"]} for row in page.get("Items", [])
                if row.get("tenantId", {}).get("S") == tenant_id]
        for start in range(0, len(keys), 25):
            requests = {Delivery.Meta.table_name: [{"DeleteRequest": {"Key": key}} for key in keys[start:start + 25]]}
            while requests:
                requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or None
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
