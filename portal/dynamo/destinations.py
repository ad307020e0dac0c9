"""destinations table: where a tenant's submissions are delivered (webhooks, e-mail, and the
integrations: team chat, CRMs and lists)."""
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
SLACK, TEAMS, DISCORD, GOOGLE_CHAT = "SLACK", "TEAMS", "DISCORD", "GOOGLE_CHAT"
HUBSPOT, MAILCHIMP, SHEETS, AIRTABLE = "HUBSPOT", "MAILCHIMP", "SHEETS", "AIRTABLE"
CHAT_TYPES = (SLACK, TEAMS, DISCORD, GOOGLE_CHAT)
RECORD_TYPES = (HUBSPOT, MAILCHIMP, SHEETS, AIRTABLE)
INTEGRATION_TYPES = CHAT_TYPES + RECORD_TYPES
TYPE_LABELS = {WEBHOOK: "Webhook", EMAIL: "E-mail", SLACK: "Slack", TEAMS: "Microsoft Teams", DISCORD: "Discord",
               GOOGLE_CHAT: "Google Chat", HUBSPOT: "HubSpot", MAILCHIMP: "Mailchimp", SHEETS: "Google Sheets",
               AIRTABLE: "Airtable"}


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
    # Integrations: the vendor credentials (a chat webhook URL, a token, an API key, a service
    # account key) as encrypted JSON, never shown again; and the settings that are not secret
    # (list, base, spreadsheet, options, the field map).
    credentialsEncrypted = UnicodeAttribute(null=True)
    integration = JSONAttribute(default=dict)
    enabled = BooleanAttribute(default=True)
    rateLimit = NumberAttribute(null=True)  # requests per second the receiver accepts; None: no limit
    failingSince = UTCDateTimeAttribute(null=True)
    consecutiveFailures = NumberAttribute(default=0)
    disabledReason = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type.title())

    @property
    def is_integration(self) -> bool:
        return self.type in INTEGRATION_TYPES

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
