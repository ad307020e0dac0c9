"""api_keys table: only the SHA-256 of a key and a short display prefix are stored."""
import hashlib

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, TenantOwnedModel, UTCDateTimeAttribute

TABLE = "api_keys"


class TenantKeysIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantKeysIndex"
        projection = AllProjection()

    tenantId = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class ApiKey(TenantOwnedModel, ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="KEY")
    tenantId = UnicodeAttribute()
    siteId = UnicodeAttribute()
    keyHash = UnicodeAttribute()
    displayPrefix = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    revokedAt = UTCDateTimeAttribute(null=True)
    lastUsedAt = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    tenant_index = TenantKeysIndex()

    @staticmethod
    def hash_key_material(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @staticmethod
    def key_for(key_hash: str) -> str:
        return f"KEY#{key_hash}"

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.keyHash)

    @classmethod
    def lookup_by_raw_key(cls, raw_key: str):
        """Authentication of an ingest request: the key itself names the tenant."""
        try:
            return cls._unscoped_get(cls.key_for(cls.hash_key_material(raw_key)), "KEY")
        except cls.DoesNotExist:
            return None

    @classmethod
    def touch_last_used(cls, key_hash: str, *, now, min_interval) -> bool:
        """Record use at most once per `min_interval` per key, without reading the item first
        and without bumping its version (a revoke in flight must not see a stale copy).
        Returns True when this call wrote."""
        from pynamodb.exceptions import UpdateError

        try:
            cls._get_connection().update_item(
                cls.key_for(key_hash), "KEY",
                actions=[cls.lastUsedAt.set(now)],
                condition=cls.pk.exists() & (cls.lastUsedAt.does_not_exist() | (cls.lastUsedAt < now - min_interval)),
            )
        except UpdateError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True
