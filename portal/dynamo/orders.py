"""orders table: checkout records with snapshots of the product and campaign as they were."""
from pynamodb.attributes import UnicodeAttribute

from portal.dynamo.base import DecimalAttribute, JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute, utcnow

TABLE = "orders"


class Order(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    tenantId = UnicodeAttribute()
    dateCreated = UTCDateTimeAttribute(default_for_new=utcnow)
    productSnapshot = JSONAttribute()
    campaignSnapshot = JSONAttribute(null=True)
    price = DecimalAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute(default="PLACED")

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(order_id: str) -> str:
        return f"ORDER#{order_id}"
