"""tenants table: one METADATA item per tenant plus an EMAIL#{email} guard item that keeps
e-mail addresses unique (written in the same transaction as the tenant)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import ActivatableModel, BaseModel, UTCDateTimeAttribute

TABLE = "tenants"
METADATA = "METADATA"

UNVALIDATED, VALIDATED, REGISTERED, SUSPENDED = "UNVALIDATED", "VALIDATED", "REGISTERED", "SUSPENDED"
STATUSES = (UNVALIDATED, VALIDATED, REGISTERED, SUSPENDED)


class EmailIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "EmailIndex"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


class TenantStatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantStatusIndex"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class ActiveIndex(GlobalSecondaryIndex):
    """Sparse: only active tenants carry activeSparse."""

    class Meta:
        index_name = "ActiveIndex"
        projection = AllProjection()

    activeSparse = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class Tenant(ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=METADATA)
    email = UnicodeAttribute()
    organization = UnicodeAttribute()
    destinationEmail = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=UNVALIDATED)
    statusBeforeSuspension = UnicodeAttribute(null=True)
    suspensionReason = UnicodeAttribute(null=True)
    productId = UnicodeAttribute(null=True)
    campaignCode = UnicodeAttribute(null=True)
    shardCount = NumberAttribute(default=1)
    activeSparse = UnicodeAttribute(null=True)
    version = VersionAttribute()

    email_index = EmailIndex()
    status_index = TenantStatusIndex()
    active_index = ActiveIndex()

    @staticmethod
    def key_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @classmethod
    def by_id(cls, tenant_id: str) -> "Tenant | None":
        try:
            return cls.get(cls.key_for(tenant_id), METADATA)
        except cls.DoesNotExist:
            return None

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.id)
        self.activeSparse = "ACTIVE" if self.active else None


class TenantEmailGuard(BaseModel):
    """PK EMAIL#{email}, SK UNIQUE: exists exactly while a tenant owns that e-mail."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="UNIQUE")
    tenantId = UnicodeAttribute()

    @staticmethod
    def key_for(email: str) -> str:
        return f"EMAIL#{email.lower()}"
