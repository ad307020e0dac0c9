"""submissions table: PK TENANT#{tenantId}#{shard}, SK SUB#{ulid}. Payloads (fields + meta)
over 1 KB are gzip-compressed into a binary attribute when that saves at least 30%."""
import gzip
import json
import zlib

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import TenantOwnedModel, TTLAttribute_, UTCDateTimeAttribute, utcnow

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
    class Meta:
        index_name = "StatusIndex"
        projection = AllProjection()

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
    ttl = TTLAttribute_(null=True)

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
