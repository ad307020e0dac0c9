"""tenants table: one METADATA item per tenant plus an EMAIL#{email} guard item that keeps
e-mail addresses unique (written in the same transaction as the tenant)."""
from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import (
    ActivatableModel,
    ActiveIndex,
    BaseModel,
    DecimalAttribute,
    JSONAttribute,
    UTCDateTimeAttribute,
)

TABLE = "tenants"
METADATA = "METADATA"

UNVALIDATED, VALIDATED, REGISTERED, SUSPENDED = "UNVALIDATED", "VALIDATED", "REGISTERED", "SUSPENDED"
STATUSES = (UNVALIDATED, VALIDATED, REGISTERED, SUSPENDED)
# What each status means, in the words the portal and the staff console show beside it.
STATUS_MEANINGS = {
    UNVALIDATED: "Signed up; the e-mail address is not confirmed yet (no API keys until it is).",
    VALIDATED: "E-mail address confirmed; no site added yet.",
    REGISTERED: "E-mail address confirmed and a site added: the account is set up.",
    SUSPENDED: "Suspended by Form-Bridge staff: read-only, and its sites' submissions are refused.",
}
# The lifecycle: onboarding moves one step forward; any other state can be suspended, and a
# suspended tenant only goes back to the state it had before (Tenant.next_statuses).
ONBOARDING_NEXT = {UNVALIDATED: VALIDATED, VALIDATED: REGISTERED}


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
    twoFactorRequired = BooleanAttribute(default=False)  # the owner requires 2FA of the whole team
    # The agency's own brand on what its clients see (portal pages, notification e-mails).
    brandName = UnicodeAttribute(null=True)
    brandLogo = UnicodeAttribute(null=True)  # storage name of the uploaded logo (portal.services.accounts.branding)
    # Staff are e-mailed once a month when the estimated DynamoDB cost reaches this (USD).
    costAlertUsd = DecimalAttribute(null=True)
    activeSparse = UnicodeAttribute(null=True)
    # Notices (account events): the operational webhook, kinds turned off, silence threshold.
    noticeWebhookUrl = UnicodeAttribute(null=True)
    noticeWebhookSecretEncrypted = UnicodeAttribute(null=True)
    noticesOff = ListAttribute(of=UnicodeAttribute, null=True)
    silentHours = NumberAttribute(null=True)
    # Monthly client reports: per report key, whether it is e-mailed, in which time zone, to
    # which extra addresses, and who opted out (portal.services.reports.settings).
    reportSettings = JSONAttribute(null=True)
    version = VersionAttribute()

    email_index = EmailIndex()
    status_index = TenantStatusIndex()
    active_index = ActiveIndex()

    # Not stored: the sites the signed-in user's reads are limited to. portal.decorators sets it
    # from the session's user (permissions.site_scope_of); None means every site of the tenant.
    # Selectors pass it on: Submission.in_tenant(tenant.id, site_ids=tenant.site_scope).
    site_scope = None

    @property
    def display_name(self) -> str:
        """The name a client sees: the agency's brand, else the organization."""
        return self.brandName or self.organization

    @staticmethod
    def key_for(tenant_id: str) -> str:
        return f"TENANT#{tenant_id}"

    @classmethod
    def by_ids(cls, tenant_ids: list[str], *, attributes: tuple[str, ...] | None = None) -> dict[str, "Tenant"]:
        """Several tenants by id, one BatchGetItem per 100 (the staff cost page's rows). With
        `attributes`, only those are read (and the keys): a partial tenant for display, never
        to be saved."""
        if not tenant_ids:
            return {}
        wanted = ["pk", "sk", "id", *attributes] if attributes else None
        keys = [(cls.key_for(i), METADATA) for i in dict.fromkeys(tenant_ids)]
        return {t.id: t for t in cls.batch_get(keys, attributes_to_get=wanted)}

    @classmethod
    def by_id(cls, tenant_id: str | None) -> "Tenant | None":
        """The tenant (active or deleted), or None."""
        if not tenant_id:
            return None
        try:
            return cls.get(cls.key_for(tenant_id), METADATA)
        except cls.DoesNotExist:
            return None

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.id)
        self.activeSparse = "ACTIVE" if self.active else None

    @property
    def read_only(self) -> bool:
        """A suspended tenant's portal can be looked at but nothing can be changed."""
        return self.status == SUSPENDED

    @property
    def accepts_submissions(self) -> bool:
        """Ingest stores nothing for a deleted or suspended tenant."""
        return bool(self.active) and self.status != SUSPENDED

    @property
    def next_statuses(self) -> tuple[str, ...]:
        """The statuses this tenant may move to now, in the order staff are offered them."""
        if self.status == SUSPENDED:
            return (self.statusBeforeSuspension or UNVALIDATED,)
        forward = ONBOARDING_NEXT.get(self.status)
        return ((forward,) if forward else ()) + (SUSPENDED,)


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
