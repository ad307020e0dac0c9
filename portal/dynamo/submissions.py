"""submissions table: PK TENANT#{tenantId}#{shard}, SK SUB#{ulid}. Payloads (fields + meta)
over 1 KB are compressed into a binary attribute when that saves at least 30%: raw deflate
with a preset dictionary (codec "zd2" since zd1; see payload_dictionary.py), named in `payloadCodec`
so the dictionary can evolve. Items written before keep their gzip bytes in `payloadGz`."""
import gzip
import json
import zlib

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from .base import TenantOwnedModel, UTCDateTimeAttribute, utcnow
from .delivery_status import NEEDS_ATTENTION, DeliveryStatus
from .payload_dictionary import CURRENT_CODEC, DICTIONARIES

TABLE = "submissions"
COMPRESS_OVER_BYTES = 1024
COMPRESS_MAX_RATIO = 0.70
LEGACY_GZIP = "gzip"
# Everything a form-filtered listing filters or sorts on, but no payload: an ingest's index
# write stays at one unit whatever the payload size. Pages read the payloads from the table
# (one BatchGetItem per page).
SMALL_ATTRIBUTES = ["id", "tenantId", "formId", "siteId", "spam", "deliveryStatus", "ttl"]  # + the keys


class UnloadedPayload(RuntimeError):
    """An index item carries no payload: read the item from the table first."""


def _compress(raw: bytes, codec: str) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=DICTIONARIES[codec])
    return packer.compress(raw) + packer.flush()


def _decompress(packed: bytes, codec: str) -> bytes:
    if codec == LEGACY_GZIP:
        return gzip.decompress(packed)
    if codec not in DICTIONARIES:
        raise ValueError(f"unknown payload codec {codec!r}")
    unpacker = zlib.decompressobj(-15, zdict=DICTIONARIES[codec])
    return unpacker.decompress(packed) + unpacker.flush()


class FormIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "FormIndex"
        projection = IncludeProjection(SMALL_ATTRIBUTES)

    formKey = UnicodeAttribute(hash_key=True)
    receivedAt = UTCDateTimeAttribute(range_key=True)


class StatusIndex(GlobalSecondaryIndex):
    """Submissions whose delivery needs attention (failed, partially delivered). Sparse: other
    submissions carry no statusKey, so a healthy ingest writes nothing here; and only small
    attributes are projected, so a write costs 1 unit whatever the payload's size."""

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
    payloadZ = BinaryAttribute(null=True, legacy_encoding=False)  # the same JSON compressed with payloadCodec
    payloadCodec = UnicodeAttribute(null=True)
    payloadGz = BinaryAttribute(null=True, legacy_encoding=False)  # legacy: gzip of the same JSON
    spam = BooleanAttribute(default=False)
    countedForm = UnicodeAttribute(null=True)  # the day counters' form key, when not formId ("(other)")
    deliveryStatus = UnicodeAttribute(default=DeliveryStatus.PENDING)
    formKey = UnicodeAttribute()
    statusKey = UnicodeAttribute(null=True)
    statusSort = UnicodeAttribute(null=True)
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

    @classmethod
    def find(cls, tenant_id: str, submission_id: str, *, shard_count: int, now=None) -> "Submission | None":
        """The tenant's submission from whichever shard holds it, or None (unknown, expired, or
        another tenant's). Its shard under today's shard count is tried first; older items may
        sit in a shard of a smaller count (counts only grow), so the others are tried after."""
        count = max(1, int(shard_count))
        first = cls.shard_for(submission_id, count)
        scope = cls.in_tenant(tenant_id)
        for shard in [first] + [s for s in range(count) if s != first]:
            item = scope.get_or_none(cls.partition_for(tenant_id, shard), cls.sort_for(submission_id))
            if item is not None:
                return None if item.ttl is not None and item.ttl <= (now or utcnow()) else item
        return None

    @staticmethod
    def form_key_for(tenant_id: str, form_id: str) -> str:
        return f"TENANT#{tenant_id}#FORM#{form_id}"

    @staticmethod
    def status_key_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}#STATUS"

    def sync_index_keys(self) -> None:
        self.sk = self.sort_for(self.id)
        self.formKey = self.form_key_for(self.tenantId, self.formId)
        attention = self.deliveryStatus in NEEDS_ATTENTION
        self.statusKey = self.status_key_for(self.tenantId) if attention else None
        self.statusSort = f"{self.deliveryStatus}#{self.receivedAt.isoformat()}" if attention else None

    def delivery_status_actions(self, status: str) -> list:
        """Update actions that set the delivery status and keep the sparse StatusIndex in step."""
        if status in NEEDS_ATTENTION:
            return [Submission.deliveryStatus.set(status),
                    Submission.statusKey.set(self.status_key_for(self.tenantId)),
                    Submission.statusSort.set(f"{status}#{self.receivedAt.isoformat()}")]
        return [Submission.deliveryStatus.set(status), Submission.statusKey.remove(), Submission.statusSort.remove()]

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)

    # --- payload -----------------------------------------------------------------------
    @property
    def counted_form(self) -> str:
        """The form key its counters were added under."""
        return self.countedForm or self.formId

    def set_payload(self, *, fields: dict, meta: dict) -> None:
        raw = json.dumps({"fields": fields, "meta": meta}, separators=(",", ":"), ensure_ascii=False).encode()
        self.payload, self.payloadZ, self.payloadCodec, self.payloadGz = None, None, None, None
        if len(raw) > COMPRESS_OVER_BYTES:
            packed = _compress(raw, CURRENT_CODEC)
            if len(packed) <= len(raw) * COMPRESS_MAX_RATIO:
                self.payloadZ, self.payloadCodec = packed, CURRENT_CODEC
                return
        self.payload = raw.decode()

    def stored_payload_bytes(self) -> int:
        """The payload's size as stored (compressed or not)."""
        for value in (self.payloadZ, self.payloadGz):
            if value is not None:
                return len(value)
        return len((self.payload or "").encode())

    def _decoded(self) -> dict:
        if self.payloadZ is not None:
            return json.loads(_decompress(self.payloadZ, self.payloadCodec or ""))
        if self.payloadGz is not None:
            return json.loads(_decompress(self.payloadGz, LEGACY_GZIP))
        if self.payload is not None:
            return json.loads(self.payload)
        raise UnloadedPayload(f"submission {self.id} was read without its payload (an index item)")

    @property
    def fields(self) -> dict:
        return self._decoded().get("fields", {})

    @property
    def meta(self) -> dict:
        return self._decoded().get("meta", {})

    def is_expired(self) -> bool:
        # TTL deletion is best effort: an expired item must read as absent.
        return self.ttl is not None and self.ttl <= utcnow()

    # --- shards, and low-level helpers for the ingest transaction and for paging ---------------
    def assign_shard(self, shard_count: int, *, shard: int | None = None) -> None:
        """Place a new submission on its write shard (the partition key carries it): the one
        its id hashes to, or `shard` when it was decided earlier (an Idempotency-Key's claim)."""
        self.pk = self.partition_for(self.tenantId, self.shard_for(self.id, shard_count) if shard is None else shard)

    @property
    def shard(self) -> int:
        """The write shard, read back from the partition key TENANT#{tenantId}#{shard}."""
        return int(self.pk.rsplit("#", 1)[1])

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
