"""deliveries table: PK SUB#{submissionId}; SK DEST#{destinationId} for the delivery and
DEST#{destinationId}#ATTEMPT#{n} for each attempt, so one query gives the whole timeline."""
import zlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import TenantOwnedModel, UTCDateTimeAttribute, utcnow

TABLE = "deliveries"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
DUE_SHARDS = 8  # the due queue is spread over a few partitions so none gets hot


class DueIndex(GlobalSecondaryIndex):
    """Sparse: dueShard is set only while the delivery is pending."""

    class Meta:
        index_name = "DueIndex"
        projection = AllProjection()

    dueShard = UnicodeAttribute(hash_key=True)
    nextAttemptAt = UTCDateTimeAttribute(range_key=True)


class DestinationIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "DestinationIndex"
        projection = AllProjection()

    destKey = UnicodeAttribute(hash_key=True)
    destStatusSort = UnicodeAttribute(range_key=True)


class TenantDeliveryIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantDeliveryIndex"
        projection = AllProjection()

    tenantKey = UnicodeAttribute(hash_key=True)
    tenantStatusSort = UnicodeAttribute(range_key=True)


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
    status = UnicodeAttribute(default=PENDING)
    attemptCount = NumberAttribute(default=0)
    createdAt = UTCDateTimeAttribute(default_for_new=utcnow)
    updatedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    nextAttemptAt = UTCDateTimeAttribute(null=True)
    dueShard = UnicodeAttribute(null=True)
    leaseOwner = UnicodeAttribute(null=True)
    leaseExpiresAt = UTCDateTimeAttribute(null=True)
    lastStatusCode = NumberAttribute(null=True)
    lastError = UnicodeAttribute(null=True)
    destKey = UnicodeAttribute()
    destStatusSort = UnicodeAttribute()
    tenantKey = UnicodeAttribute()
    tenantStatusSort = UnicodeAttribute()
    version = VersionAttribute()

    due_index = DueIndex()
    destination_index = DestinationIndex()
    tenant_index = TenantDeliveryIndex()

    @staticmethod
    def partition_for(submission_id: str) -> str:
        return f"SUB#{submission_id}"

    @staticmethod
    def sort_for(destination_id: str) -> str:
        return f"DEST#{destination_id}"

    @staticmethod
    def due_shard_for(submission_id: str) -> str:
        return f"DUE#{zlib.crc32(submission_id.encode()) % DUE_SHARDS}"

    def sync_index_keys(self) -> None:
        self.pk = self.partition_for(self.submissionId)
        self.sk = self.sort_for(self.destinationId)
        stamp = self.updatedAt.isoformat()
        self.destKey = f"DEST#{self.destinationId}"
        self.destStatusSort = f"STATUS#{self.status}#{stamp}"
        self.tenantKey = f"TENANT#{self.tenantId}"
        self.tenantStatusSort = f"DELIVERY#{self.status}#{stamp}"
        pending = self.status == PENDING and self.nextAttemptAt is not None
        self.dueShard = self.due_shard_for(self.submissionId) if pending else None

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)

    @classmethod
    def due_in_shard(cls, shard: int, before, limit: int = 25):
        """The worker's queue, across tenants by design: it serves every tenant."""
        return cls._unscoped_query(
            f"DUE#{shard}", range_key_condition=DueIndex.nextAttemptAt <= before,
            index_name="DueIndex", limit=limit,
        )


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
    trigger = UnicodeAttribute(default="scheduled")  # scheduled, manual, test
    attemptedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    statusCode = NumberAttribute(null=True)
    responseBody = UnicodeAttribute(null=True)
    durationMs = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    succeeded = NumberAttribute(default=0)

    @staticmethod
    def sort_for(destination_id: str, number: int) -> str:
        # Zero-padded so attempts sort numerically within the delivery.
        return f"DEST#{destination_id}#ATTEMPT#{number:03d}"
