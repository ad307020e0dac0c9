"""api_tokens table: tenant API tokens for the read/action API (/api/v1/...). Like site keys
(api_keys), only the SHA-256 of a token and a short display prefix are stored; the token is
shown once. PK TOKEN#{sha256(token)}, SK TOKEN; TenantTokensIndex (tenantId -> dateCreated)
lists a tenant's tokens on its API tokens page."""
import hashlib

from pynamodb.attributes import ListAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, TenantOwnedModel, UTCDateTimeAttribute

TABLE = "api_tokens"
SORT = "TOKEN"


class TenantTokensIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantTokensIndex"
        projection = AllProjection()

    tenantId = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class ApiToken(TenantOwnedModel, ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=SORT)
    tenantId = UnicodeAttribute()
    tokenHash = UnicodeAttribute()
    displayPrefix = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    scopes = ListAttribute(of=UnicodeAttribute, default=list)
    revokedAt = UTCDateTimeAttribute(null=True)
    lastUsedAt = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    tenant_index = TenantTokensIndex()

    @staticmethod
    def hash_token(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @staticmethod
    def key_for(token_hash: str) -> str:
        return f"TOKEN#{token_hash}"

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.tokenHash)

    @classmethod
    def lookup_by_raw_token(cls, raw_token: str):
        """Authentication of an API request: the token itself names the tenant."""
        try:
            return cls._unscoped_get(cls.key_for(cls.hash_token(raw_token)), SORT)
        except cls.DoesNotExist:
            return None

    @classmethod
    def of_tenant(cls, tenant_id: str):
        """The tenant's tokens, newest first (TenantTokensIndex)."""
        return cls.in_tenant(tenant_id).query(tenant_id, index=cls.tenant_index, scan_index_forward=False)

    @classmethod
    def touch_last_used(cls, token_hash: str, *, now, min_interval) -> None:
        """lastUsedAt at most once per `min_interval`, without a read and without bumping the
        version (a revoke in flight must not see a stale copy)."""
        from pynamodb.exceptions import UpdateError

        try:
            cls._get_connection().update_item(
                cls.key_for(token_hash), SORT, actions=[cls.lastUsedAt.set(now)],
                condition=cls.pk.exists() & (cls.lastUsedAt.does_not_exist() | (cls.lastUsedAt < now - min_interval)))
        except UpdateError as error:
            if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
