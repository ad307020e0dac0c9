"""metrics table: one counter item per tenant-day (per shard for sharded tenants), updated
with atomic ADD. Per-form and per-hour counters are top-level attributes named
`form:{formId}` and `hour:{HH}`, which ADD creates on first use (a nested map cannot be
created and added to in one expression)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import TenantOwnedModel

TABLE = "metrics"
FORM_PREFIX = "form:"
HOUR_PREFIX = "hour:"


class DayIndex(GlobalSecondaryIndex):
    """GSI1: every tenant's counters for one day (staff-wide reports)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class DailyMetrics(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    date = UnicodeAttribute()
    submissions = NumberAttribute(default=0)
    spam = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    day_index = DayIndex()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(day: str, shard: int | None = None) -> str:
        return f"METRICS#DAY#{day}" if not shard else f"METRICS#DAY#{day}#{shard}"

    @staticmethod
    def day_index_key(day: str) -> str:
        return f"METRICS#DAY#{day}"
