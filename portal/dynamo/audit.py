"""audit table: who did what to what, with before/after. PK AUDIT#TENANT#{tenantId} for a
tenant's trail, AUDIT#STAFF for the whole staff console; SK `{iso ts}#{ulid}`."""
from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from portal.dynamo.base import JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute, utcnow

TABLE = "audit"
STAFF_PARTITION = "AUDIT#STAFF"


class AuditEntry(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute(null=True)  # None for console-wide entries (products, campaigns)
    at = UTCDateTimeAttribute(default_for_new=utcnow)
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    targetType = UnicodeAttribute()
    targetId = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"AUDIT#TENANT#{tenant_id}"

    @classmethod
    def staff_log(cls, *, filter_condition=None, **kwargs):
        """The console-wide trail: staff actions are not owned by any tenant."""
        return cls._unscoped_query(STAFF_PARTITION, filter_condition=filter_condition, scan_index_forward=False, **kwargs)
