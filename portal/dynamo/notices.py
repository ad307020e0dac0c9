"""notices table: account events told to a tenant (destination health, quota, silent forms),
each recorded once. PK TENANT#{tenantId}, SK NOTICE#{kind}#{eventKey}: the conditional put of
that key is what makes a notice go out at most once per event. The item is also the notice's
small outbox: its e-mail and operational-webhook states, attempts and next attempt time.
NoticeDueIndex (sparse: dueKey only while a channel is pending -> nextAttemptAt) is the
worker's queue of notices to send; notices are rare, so one partition holds it.

No TTL attribute: DynamoDB Local stalls index changes once a few more tables have TTL (found
with tests/integration/test_dynamo_migrate.py), so a tenant's notices older than their keep
time are deleted when a new one is recorded (`prune`), which bounds the partition instead."""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute, is_condition_failure

TABLE = "notices"
DUE = "NOTICE_DUE"
PENDING, SENT, FAILED, OFF = "pending", "sent", "failed", "off"


class NoticeDueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "NoticeDueIndex"
        projection = AllProjection()

    dueKey = UnicodeAttribute(hash_key=True)
    nextAttemptAt = UTCDateTimeAttribute(range_key=True)


class Notice(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    tenantId = UnicodeAttribute()
    kind = UnicodeAttribute()
    eventKey = UnicodeAttribute()
    data = JSONAttribute(default=dict)
    createdAt = UTCDateTimeAttribute()
    emailState = UnicodeAttribute(default=OFF)
    webhookState = UnicodeAttribute(default=OFF)
    attempts = NumberAttribute(default=0)
    lastStatusCode = NumberAttribute(null=True)
    lastError = UnicodeAttribute(null=True)
    dueKey = UnicodeAttribute(null=True)
    nextAttemptAt = UTCDateTimeAttribute(null=True)

    due_index = NoticeDueIndex()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(kind: str, event_key: str) -> str:
        return f"NOTICE#{kind}#{event_key}"

    @staticmethod
    def sort_prefix() -> str:
        return "NOTICE#"

    @property
    def pending(self) -> bool:
        return PENDING in (self.emailState, self.webhookState)

    def sync_keys(self) -> None:
        self.pk = self.partition_for(self.tenantId)
        self.sk = self.sort_for(self.kind, self.eventKey)
        self.dueKey = DUE if self.pending else None
        if not self.pending:
            self.nextAttemptAt = None

    def record_once(self) -> bool:
        """Write this notice unless the same event was recorded before; True when written."""
        self.sync_keys()
        try:
            self.save(condition=Notice.sk.does_not_exist())
        except PutError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def claim(self, *, seen: datetime, until: datetime) -> bool:
        """Take the notice for sending: move its next attempt to `until` (a lease) if no other
        worker moved it since we read it."""
        try:
            self.update(actions=[Notice.nextAttemptAt.set(until)],
                        condition=Notice.nextAttemptAt == seen)
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def save_progress(self) -> None:
        """Store the channels' states after a send; the due marker follows them."""
        self.sync_keys()
        actions = [Notice.emailState.set(self.emailState), Notice.webhookState.set(self.webhookState),
                   Notice.attempts.set(int(self.attempts or 0))]
        for attribute, value in ((Notice.lastError, self.lastError), (Notice.lastStatusCode, self.lastStatusCode)):
            actions.append(attribute.remove() if value is None else attribute.set(value))
        if self.pending:
            actions += [Notice.dueKey.set(DUE), Notice.nextAttemptAt.set(self.nextAttemptAt)]
        else:
            actions += [Notice.dueKey.remove(), Notice.nextAttemptAt.remove()]
        self.update(actions=actions)

    @classmethod
    def due(cls, *, now: datetime, limit: int = 25):
        """Notices with a channel still to send, due by `now`, oldest first."""
        return cls._unscoped_query(DUE, range_key_condition=NoticeDueIndex.nextAttemptAt <= now,
                                   index_name=NoticeDueIndex.Meta.index_name, limit=limit)

    @classmethod
    def prune(cls, tenant_id: str, *, older_than: datetime, limit: int = 25) -> int:
        """Delete up to `limit` of the tenant's notices created before `older_than` and no
        longer pending; returns how many."""
        old = cls.in_tenant(tenant_id).query(
            cls.partition_for(tenant_id), Notice.sk.startswith(cls.sort_prefix()),
            filter_condition=(Notice.createdAt < older_than) & Notice.dueKey.does_not_exist())
        removed = 0
        for notice in old:
            notice.delete()
            removed += 1
            if removed >= limit:
                break
        return removed

    @classmethod
    def of_tenant(cls, tenant_id: str, *, limit: int = 50):
        """The tenant's notices (the settings page shows the latest ones)."""
        return cls.in_tenant(tenant_id).query(cls.partition_for(tenant_id), Notice.sk.startswith(cls.sort_prefix()),
                                              limit=limit)
