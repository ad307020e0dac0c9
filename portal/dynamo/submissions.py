"""submissions table: PK TENANT#{tenantId}#{shard}, SK SUB#{ulid}. Payloads (fields + meta)
over 1 KB are gzip-compressed into a binary attribute when that saves at least 30%."""
import gzip
import json
import zlib

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection

from .base import TenantOwnedModel, UTCDateTimeAttribute, utcnow

TABLE = "submissions"
COMPRESS_OVER_BYTES = 1024
COMPRESS_MAX_RATIO = 0.70


class FormIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "FormIndex"
        projection = AllProjection()

    formKey = UnicodeAttribute(hash_key=True)
    receivedAt = UTCDateTimeAttribute(range_key=True)


class StatusIndex(GlobalSecondaryIndex):
    """Delivery-status listings need the ids, not the payload: projecting only small
    attributes keeps each ingest's index write at 1 unit instead of the payload's size."""

    class Meta:
        index_name = "StatusIndex"
        projection = IncludeProjection(["id", "tenantId", "formId", "siteId", "spam", "receivedAt", "deliveryStatus"])

    statusKey = UnicodeAttribute(hash_key=True)
    statusSort = UnicodeAttribute(range_key=True)


class Submission(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    tenantId = UnicodeAttribute()
    siteId = UnicodeAttribute(null=True)
    formId = UnicodeAttribute()
    receivedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    payload = UnicodeAttribute(null=True)  # JSON {"fields":..., "meta":...}
    payloadGz = BinaryAttribute(null=True, legacy_encoding=False)  # gzip of the same JSON
    spam = BooleanAttribute(default=False)
    deliveryStatus = UnicodeAttribute(default="pending")
    formKey = UnicodeAttribute()
    statusKey = UnicodeAttribute()
    statusSort = UnicodeAttribute()
    ttl = TTLAttribute(null=True)

    form_index = FormIndex()
    status_index = StatusIndex()

    @staticmethod
    def partition_for(tenant_id: str, shard: int) -> str:
        return f"TENANT#{tenant_id}#{shard}"

    @staticmethod
    def sort_for(submission_id: str) -> str:
        return f"SUB#{submission_id}"

    @staticmethod
    def shard_for(submission_id: str, shard_count: int) -> int:
        # A stable hash (not Python's salted hash()) so every process agrees.
        return zlib.crc32(submission_id.encode()) % max(1, int(shard_count))

    @staticmethod
    def form_key_for(tenant_id: str, form_id: str) -> str:
        return f"TENANT#{tenant_id}#FORM#{form_id}"

    @staticmethod
    def status_key_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}#STATUS"

    def sync_index_keys(self) -> None:
        self.sk = self.sort_for(self.id)
        self.formKey = self.form_key_for(self.tenantId, self.formId)
        self.statusKey = self.status_key_for(self.tenantId)
        self.statusSort = f"{self.deliveryStatus}#{self.receivedAt.isoformat()}"

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)

    # --- payload -----------------------------------------------------------------------
    def set_payload(self, *, fields: dict, meta: dict) -> None:
        raw = json.dumps({"fields": fields, "meta": meta}, separators=(",", ":"), ensure_ascii=False).encode()
        self.payload, self.payloadGz = None, None
        if len(raw) > COMPRESS_OVER_BYTES:
            packed = gzip.compress(raw, compresslevel=6, mtime=0)
            if len(packed) <= len(raw) * COMPRESS_MAX_RATIO:
                self.payloadGz = packed
                return
        self.payload = raw.decode()

    def _decoded(self) -> dict:
        if self.payloadGz is not None:
            return json.loads(gzip.decompress(self.payloadGz))
        return json.loads(self.payload or "{}")

    @property
    def fields(self) -> dict:
        return self._decoded().get("fields", {})

    @property
    def meta(self) -> dict:
        return self._decoded().get("meta", {})

    def is_expired(self) -> bool:
        # TTL deletion is best effort: an expired item must read as absent.
        return self.ttl is not None and self.ttl <= utcnow()

    # --- low-level helpers for the ingest transaction and for paging ------------------------
    @classmethod
    def client(cls):
        """The botocore client of this model's (cached) connection: the same endpoint for every table."""
        return cls._get_connection().connection.client

    def put_action(self) -> dict:
        """A TransactWriteItems Put of this new submission (fails if the id already exists)."""
        self.sync_index_keys()
        return {"Put": {
            "TableName": self.Meta.table_name,
            "Item": self.serialize(),
            "ConditionExpression": "attribute_not_exists(pk)",
        }}

    def key_dict(self) -> dict:
        return {"pk": {"S": self.pk}, "sk": {"S": self.sk}}

    def start_key(self, *, index: str | None = None) -> dict:
        """The ExclusiveStartKey that resumes a query right after this item."""
        key = self.key_dict()
        if index == FormIndex.Meta.index_name:
            key["formKey"] = {"S": self.formKey}
            key["receivedAt"] = {"S": Submission.receivedAt.serialize(self.receivedAt)}
        return key

    def spam_update_action(self, spam: bool) -> dict:
        """Flip the spam flag, only if nobody flipped it meanwhile."""
        return {"Update": {
            "TableName": self.Meta.table_name,
            "Key": self.key_dict(),
            "UpdateExpression": "SET spam = :new",
            "ConditionExpression": "attribute_exists(pk) AND tenantId = :t AND spam = :old",
            "ExpressionAttributeValues": {":new": {"BOOL": spam}, ":old": {"BOOL": not spam}, ":t": {"S": self.tenantId}},
        }}

    @staticmethod
    def sort_bounds(first_id_prefix: str, last_id_prefix: str) -> tuple[str, str]:
        """Sort-key bounds for ULIDs whose 10-character time prefixes lie in a range."""
        return f"SUB#{first_id_prefix}{'0' * 16}", f"SUB#{last_id_prefix}{'Z' * 16}"
