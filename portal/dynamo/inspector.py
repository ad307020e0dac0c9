"""The development webhook inspector's items, in the sessions table (TTL on expiresAt).

Bounded twice: each tenant's inspector is a ring of KEEP slots (PK INSPECTOR#{tenant}#{slot})
filled in turn by a per-tenant sequence item (PK INSPECTOR#{tenant}#SEQ, atomic ADD), so the
51st request overwrites the 1st; and every item expires after TTL, so an abandoned inspector
leaves nothing behind. Reading the ring is one BatchGetItem of KEEP keys."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from portal.dynamo.base import BaseModel, JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute, utcnow

TABLE = "sessions"
KEEP = 50  # requests kept per inspector
TTL = timedelta(days=3)


class InspectorSequence(BaseModel):
    """How many requests a tenant's inspector has received (it picks the next ring slot)."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(null=True)
    expiresAt = TTLAttribute()

    @staticmethod
    def key_for(tenant_id: str) -> str:
        return f"INSPECTOR#{tenant_id}#SEQ"


class InspectorRequest(TenantOwnedModel):
    """One request the inspector received: what came in and whether its signature held."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    tenantId = UnicodeAttribute()
    seq = NumberAttribute()
    receivedAt = UTCDateTimeAttribute()
    headers = JSONAttribute(default=dict)
    body = UnicodeAttribute(default="")
    bodyBytes = NumberAttribute(default=0)  # the full size; `body` may be cut
    signature = UnicodeAttribute()  # "valid" or "invalid"
    signatureDetail = UnicodeAttribute(default="")
    destinationId = UnicodeAttribute(null=True)  # whose secret verified it
    expiresAt = TTLAttribute()

    @staticmethod
    def key_for(tenant_id: str, slot: int) -> str:
        return f"INSPECTOR#{tenant_id}#{slot}"

    @classmethod
    def record(cls, *, tenant_id: str, received_at: datetime, headers: dict, body: str, body_bytes: int,
               signature: str, detail: str, destination_id: str | None) -> "InspectorRequest":
        """Store one request in the next slot of the tenant's ring (two writes)."""
        expires = received_at + TTL
        sequence = InspectorSequence(pk=InspectorSequence.key_for(tenant_id))
        sequence.update(actions=[InspectorSequence.seq.add(1), InspectorSequence.expiresAt.set(expires)])
        seq = int(sequence.seq)
        item = cls(pk=cls.key_for(tenant_id, (seq - 1) % KEEP), tenantId=tenant_id, seq=seq,
                   receivedAt=received_at, headers=headers, body=body, bodyBytes=body_bytes, signature=signature,
                   signatureDetail=detail, destinationId=destination_id, expiresAt=expires)
        item.save()
        return item

    @classmethod
    def latest(cls, tenant_id: str, *, now: datetime | None = None) -> list["InspectorRequest"]:
        """The tenant's kept requests, newest first (expired ones TTL has not removed yet left out)."""
        now = now or utcnow()
        keys = [cls.key_for(tenant_id, slot) for slot in range(KEEP)]
        items = [item for item in cls.in_tenant(tenant_id).batch_get(keys) if item.expiresAt > now]
        return sorted(items, key=lambda item: item.seq, reverse=True)
