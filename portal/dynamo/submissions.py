"""submissions table: PK TENANT#{tenantId}#{shard}, SK SUB#{ulid}. Payloads (fields + meta)
over 1 KB are compressed into a binary attribute when that saves at least 30%: raw deflate
with a preset dictionary (codec "zd2" since zd1; see payload_dictionary.py), named in `payloadCodec`
so the dictionary can evolve. Items written before keep their gzip bytes in `payloadGz`."""
import gzip
import json
import zlib

from pynamodb.attributes import (BinaryAttribute, BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute,
                                 TTLAttribute, UnicodeAttribute)
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from portal.dynamo.base import TenantOwnedModel, UTCDateTimeAttribute, utcnow
from portal.dynamo.delivery_status import NEEDS_ATTENTION, DeliveryStatus
from portal.dynamo.codecs.payload_dictionary import CURRENT_CODEC, DICTIONARIES

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


class StoredFile(MapAttribute):
    """One uploaded file of a submission: metadata only; the bytes are in file storage under
    `key` (portal/services/ingest/files.py). `name` is for display and never used as a path."""

    field = UnicodeAttribute()
    name = UnicodeAttribute()
    size = NumberAttribute()
    sentType = UnicodeAttribute()
    sniffedType = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute()
    key = UnicodeAttribute()
class EmailIndex(GlobalSecondaryIndex):
    """A tenant's submissions by the submitter's e-mail address (privacy requests, "did you get
    my message?"). Sparse: only submissions with an e-mail-looking field value carry emailKey;
    only the keys, the tenant and the site are projected, so a write is 1 unit (2 inside the
    ingest transaction) and submissions without an address cost nothing."""

    class Meta:
        index_name = "EmailIndex"
        projection = IncludeProjection(["tenantId", "siteId"])

    emailKey = UnicodeAttribute(hash_key=True)
    receivedAt = UTCDateTimeAttribute(range_key=True)


# What the lead lists filter on besides the small attributes (portal.selectors.submissions).
LEAD_ATTRIBUTES = SMALL_ATTRIBUTES + ["receivedAt", "leadState", "assignee", "starred", "archived"]
LEAD_NEW = "NEW"  # no leadState stored: every submission arrives New, and ingest writes nothing for it
# AssigneeIndex sort prefix per state (see portal.dynamo.leads.STATE_RANK).
_RANK = {"NEW": "6", "OPEN": "5", "REPLIED": "4", "WON": "3", "LOST": "2", "CLOSED": "1"}


class LeadIndex(GlobalSecondaryIndex):
    """A tenant's leads in one state other than New, newest first (lists filtered by state).
    Sparse: New submissions carry no leadKey, so ingest writes nothing here."""

    class Meta:
        index_name = "LeadIndex"
        projection = IncludeProjection(LEAD_ATTRIBUTES)

    leadKey = UnicodeAttribute(hash_key=True)
    receivedAt = UTCDateTimeAttribute(range_key=True)


class AssigneeIndex(GlobalSecondaryIndex):
    """One person's assigned leads, by state then newest first ("Assigned to me", the assignee
    filter, and the count of New and Open in the navigation). Sparse: only assigned leads."""

    class Meta:
        index_name = "AssigneeIndex"
        projection = IncludeProjection(LEAD_ATTRIBUTES)

    assigneeKey = UnicodeAttribute(hash_key=True)
    assigneeSort = UnicodeAttribute(range_key=True)


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
    emailKey = UnicodeAttribute(null=True)  # TENANT#{tenantId}#EMAIL#{normalised address}, when it has one
    ttl = TTLAttribute(null=True)
    files = ListAttribute(of=StoredFile, null=True)
    # Delivery rows added after ingest (a re-send to another destination): while absent, a
    # submission planned with one delivery row takes that row's outcome as its status.
    deliveriesAdded = NumberAttribute(null=True)
    # The lead (portal/services/leads/): absent until someone works it (New).
    leadState = UnicodeAttribute(null=True)
    leadVersion = NumberAttribute(null=True)  # every lead change is conditional on it
    leadChangedAt = UTCDateTimeAttribute(null=True)
    leadChangedBy = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)  # a team member's e-mail
    starred = BooleanAttribute(null=True)
    archived = BooleanAttribute(null=True)
    firstReplyAt = UTCDateTimeAttribute(null=True)
    firstResponseSeconds = NumberAttribute(null=True)  # receivedAt -> first reply from the portal
    leadKey = UnicodeAttribute(null=True)
    assigneeKey = UnicodeAttribute(null=True)
    assigneeSort = UnicodeAttribute(null=True)

    form_index = FormIndex()
    status_index = StatusIndex()
    email_index = EmailIndex()
    lead_index = LeadIndex()
    assignee_index = AssigneeIndex()

    @property
    def lead_state(self) -> str:
        return self.leadState or LEAD_NEW

    @property
    def lead_version(self) -> int:
        return int(self.leadVersion or 0)

    @staticmethod
    def lead_key_for(tenant_id: str, state: str) -> str:
        return f"TENANT#{tenant_id}#LEAD#{state}"

    @staticmethod
    def assignee_key_for(tenant_id: str, email: str) -> str:
        return f"TENANT#{tenant_id}#ASSIGNEE#{email.lower()}"

    @staticmethod
    def assignee_state_prefix(state: str) -> str:
        return f"{_RANK[state]}#"

    def lead_update_action(self, *, expected_version: int, state: str, assignee: str | None, starred: bool,
                           archived: bool, actor: str, at, first_reply_at=None,
                           first_response_seconds: int | None = None) -> dict:
        """A TransactWriteItems Update that sets the lead's whole record and its index keys,
        only if nobody changed the lead since `expected_version` (0: never changed) and the
        item still exists. Bumps leadVersion."""
        received = Submission.receivedAt.serialize(self.receivedAt)
        sets = {"leadVersion": {"N": str(expected_version + 1)}, "leadChangedAt": {"S": Submission.leadChangedAt.serialize(at)},
                "leadChangedBy": {"S": actor}}
        removes = []
        if state == LEAD_NEW:
            removes += ["leadState", "leadKey"]
        else:
            sets["leadState"] = {"S": state}
            sets["leadKey"] = {"S": self.lead_key_for(self.tenantId, state)}
        if assignee:
            sets["assignee"] = {"S": assignee}
            sets["assigneeKey"] = {"S": self.assignee_key_for(self.tenantId, assignee)}
            sets["assigneeSort"] = {"S": f"{_RANK[state]}#{received}"}
        else:
            removes += ["assignee", "assigneeKey", "assigneeSort"]
        for name, flag in (("starred", starred), ("archived", archived)):
            if flag:
                sets[name] = {"BOOL": True}
            else:
                removes.append(name)
        if first_reply_at is not None:
            sets["firstReplyAt"] = {"S": Submission.firstReplyAt.serialize(first_reply_at)}
            sets["firstResponseSeconds"] = {"N": str(int(first_response_seconds or 0))}
        names = {f"#a{i}": name for i, name in enumerate(list(sets) + removes)}
        by_name = {name: alias for alias, name in names.items()}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        expression = "SET " + ", ".join(f"{by_name[name]} = :v{i}" for i, name in enumerate(sets))
        if removes:
            expression += " REMOVE " + ", ".join(by_name[name] for name in removes)
        names["#ver"], names["#tid"] = "leadVersion", "tenantId"
        values[":t"] = {"S": self.tenantId}
        if expected_version:
            values[":expected"] = {"N": str(expected_version)}
            condition = "attribute_exists(pk) AND #tid = :t AND #ver = :expected"
        else:
            condition = "attribute_exists(pk) AND #tid = :t AND attribute_not_exists(#ver)"
        return {"Update": {"TableName": self.Meta.table_name, "Key": self.key_dict(), "UpdateExpression": expression,
                           "ConditionExpression": condition, "ExpressionAttributeNames": names,
                           "ExpressionAttributeValues": values}}

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
    def find(cls, tenant_id: str, submission_id: str, *, shard_count: int, now=None,
             site_ids=None) -> "Submission | None":
        """The tenant's submission from whichever shard holds it, or None (unknown, expired, or
        another tenant's). Its shard under today's shard count is tried first; older items may
        sit in a shard of a smaller count (counts only grow), so the others are tried after."""
        count = max(1, int(shard_count))
        first = cls.shard_for(submission_id, count)
        scope = cls.in_tenant(tenant_id, site_ids=site_ids)
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

    @staticmethod
    def email_key_for(tenant_id: str, email: str) -> str:
        """`email` already normalised (portal.text.email_normalise)."""
        return f"TENANT#{tenant_id}#EMAIL#{email}"

    @staticmethod
    def status_sort_bounds(status: str, start=None, end=None) -> tuple[str, str]:
        """StatusIndex sort-key bounds of one status between two moments (or all of it)."""
        low = f"{status}#{start.isoformat()}" if start else f"{status}#"
        high = f"{status}#{end.isoformat()}" if end else f"{status}#~"
        return low, high

    @classmethod
    def read_pages(cls, iterator, *, enough: int, max_pages: int):
        """Whole DynamoDB pages of a query's ResultIterator until `enough` items came back, the
        query ended, or `max_pages` were read: (items, ended, the LastEvaluatedKey it stopped
        at when the page budget ran out, else None)."""
        pages = getattr(iterator, "page_iter", None)
        if pages is None:  # the scope answered "nothing" without asking DynamoDB (an empty site scope)
            return [], True, None
        items = []
        for _ in range(max_pages):
            page = next(pages, None)
            if page is None:
                return items, True, None
            items.extend(cls.from_raw_data(raw) for raw in page.get("Items", []))
            if pages.last_evaluated_key is None:
                return items, True, None
            if len(items) >= enough:
                return items, False, None
        return items, False, pages.last_evaluated_key

    @classmethod
    def email_index_page(cls, tenant_id: str, email_key: str, *, start: dict | None, limit: int):
        """Up to `limit` (pk, sk) keys of the tenant's submissions under `email_key` from
        `start`, and where the next page starts (None at the end)."""
        iterator = cls.in_tenant(tenant_id).query(email_key, index=cls.email_index, limit=limit,
                                                  last_evaluated_key=start)
        keys = [(item.pk, item.sk) for item in iterator]
        return keys, (iterator.last_evaluated_key if len(keys) >= limit else None)

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

    def sole_delivery_status_statement(self, status: str) -> dict:
        """A PartiQL UPDATE (for BatchExecuteStatement) that sets the status of a submission
        whose only delivery row ended, without reading its rows: only while the item exists
        (a deleted submission never comes back as a key-only item) and no row was added since."""
        table = self.Meta.table_name
        if status in NEEDS_ATTENTION:
            sets = "SET deliveryStatus=? SET statusKey=? SET statusSort=?"
            params = [{"S": status}, {"S": self.status_key_for(self.tenantId)},
                      {"S": f"{status}#{self.receivedAt.isoformat()}"}]
        else:
            sets, params = "SET deliveryStatus=? REMOVE statusKey REMOVE statusSort", [{"S": status}]
        return {"Statement": f'UPDATE "{table}" {sets} WHERE pk=? AND sk=? AND attribute_exists(pk) '
                             "AND attribute_not_exists(deliveriesAdded)",
                "Parameters": params + [{"S": self.pk}, {"S": self.sk}]}

    def sole_delivery_status_update(self, status: str) -> bool:
        """The same as sole_delivery_status_statement, as one UpdateItem now; False when its
        condition failed."""
        try:
            self.update(actions=self.delivery_status_actions(status),
                        condition=Submission.pk.exists() & Submission.deliveriesAdded.does_not_exist())
        except UpdateError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delivery_row_added(self) -> None:
        """Note a delivery row added after ingest, before adding it: from now on the status
        is computed from the rows (see sole_delivery_status_statement)."""
        self.update(actions=[Submission.deliveriesAdded.add(1)], condition=Submission.pk.exists())

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
        elif index == EmailIndex.Meta.index_name:
            key["emailKey"] = {"S": self.emailKey}
            key["receivedAt"] = {"S": Submission.receivedAt.serialize(self.receivedAt)}
        elif index == LeadIndex.Meta.index_name:
            key["leadKey"] = {"S": self.leadKey}
            key["receivedAt"] = {"S": Submission.receivedAt.serialize(self.receivedAt)}
        elif index == AssigneeIndex.Meta.index_name:
            key["assigneeKey"] = {"S": self.assigneeKey}
            key["assigneeSort"] = {"S": self.assigneeSort}
        elif index == StatusIndex.Meta.index_name:
            key["statusKey"] = {"S": self.statusKey}
            key["statusSort"] = {"S": self.statusSort}
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
