"""destinations table: where a tenant's submissions are delivered (webhooks, e-mail)."""
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from portal.dynamo.base import ActivatableModel, JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute

TABLE = "destinations"
WEBHOOK, EMAIL = "WEBHOOK", "EMAIL"


class PreviousSecret(MapAttribute):
    secretEncrypted = UnicodeAttribute()
    expiresAt = UTCDateTimeAttribute()


class Destination(TenantOwnedModel, ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    name = UnicodeAttribute()
    type = UnicodeAttribute(default=WEBHOOK)
    url = UnicodeAttribute(null=True)
    headers = JSONAttribute(default=dict)
    recipients = ListAttribute(of=UnicodeAttribute, default=list)
    secretEncrypted = UnicodeAttribute(null=True)
    previousSecrets = ListAttribute(of=PreviousSecret, default=list)
    formIds = ListAttribute(of=UnicodeAttribute, default=list)  # empty = every form
    siteIds = ListAttribute(of=UnicodeAttribute, default=list)  # empty = every site (routing: site AND form)
    # E-mail destinations: subject with {field} placeholders; empty = the default subject.
    subjectTemplate = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    rateLimit = NumberAttribute(null=True)  # requests per second the receiver accepts; None: no limit
    failingSince = UTCDateTimeAttribute(null=True)
    consecutiveFailures = NumberAttribute(default=0)
    disabledReason = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @staticmethod
    def sort_for(destination_id: str) -> str:
        return f"DEST#{destination_id}"

    @classmethod
    def every_tenants(cls):
        """All destinations of every tenant: only for operator commands (key rotation)."""
        return cls._unscoped_scan()

    def sync_index_keys(self) -> None:
        self.pk = self.partition_for(self.tenantId)
        self.sk = self.sort_for(self.id)

    # Called with the tenant id after each write of a destination in this process, so an
    # in-process copy of the tenant's destinations (ingest's) is dropped at once.
    change_listeners: list = []

    def _changed(self) -> None:
        for listener in Destination.change_listeners:
            listener(self.tenantId)

    def save(self, *args, **kwargs):
        try:
            return super().save(*args, **kwargs)
        finally:
            self._changed()

    def update(self, *args, **kwargs):
        try:
            return super().update(*args, **kwargs)
        finally:
            self._changed()

    def delete(self, *args, **kwargs):
        try:
            return super().delete(*args, **kwargs)
        finally:
            self._changed()
