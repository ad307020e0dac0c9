"""users table: portal accounts of tenants (staff accounts live in Django's SQL database)."""
from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, TenantOwnedModel, UTCDateTimeAttribute

TABLE = "users"
METADATA = "METADATA"
OWNER, ADMIN, MEMBER = "OWNER", "ADMIN", "MEMBER"  # what each may do: portal/permissions.py
CLIENT = "CLIENT"  # an agency's customer: only the sites in siteIds


class Preferences(MapAttribute):
    timezone = UnicodeAttribute(default="UTC")
    pageSize = NumberAttribute(default=25)
    leadEmails = BooleanAttribute(default=True)  # e-mail me when a lead is assigned to me


class TenantUsersIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantUsersIndex"
        projection = AllProjection()

    tenantId = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(range_key=True)


class PortalUser(TenantOwnedModel, ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=METADATA)
    tenantId = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    passwordHash = UnicodeAttribute(default="!")  # "!" = no usable password yet (invited)
    role = UnicodeAttribute(default=MEMBER)
    emailVerifiedAt = UTCDateTimeAttribute(null=True)
    preferences = Preferences(default=Preferences)
    # Two-factor sign-in (TOTP, portal/services/accounts/two_factor.py): secrets are Fernet-encrypted
    # (portal.crypto) like destination secrets; recovery codes are kept as hashes only.
    totpSecretEncrypted = UnicodeAttribute(null=True)  # set once enrolment is confirmed
    totpPendingEncrypted = UnicodeAttribute(null=True)  # shown on the enrol page, not yet confirmed
    totpLastStep = NumberAttribute(default=0)  # the newest 30 s step used: a code works once
    totpRecoveryHashes = ListAttribute(of=UnicodeAttribute, default=list)
    siteIds = ListAttribute(of=UnicodeAttribute, default=list)  # a CLIENT's sites (other roles: unused)
    # A CLIENT's lead work the owner allows (portal.services.leads.work); None: the default.
    leadRights = ListAttribute(of=UnicodeAttribute, null=True)
    version = VersionAttribute()

    tenant_index = TenantUsersIndex()

    @staticmethod
    def key_for(email: str) -> str:
        return f"USER#{email.lower()}"

    def sync_index_keys(self) -> None:
        self.email = self.email.lower()
        self.pk = self.key_for(self.email)

    @property
    def is_invited(self) -> bool:
        """Invited but no password set yet (the unusable "!" hash)."""
        return self.passwordHash == "!"

    @classmethod
    def every_tenants(cls):
        """All users of every tenant: only for operator commands (key rotation)."""
        return cls._unscoped_scan()

    @classmethod
    def of_tenant(cls, tenant_id: str, email: str) -> "PortalUser | None":
        """The tenant's user with this e-mail, or None (another tenant's user is None too)."""
        return cls.in_tenant(tenant_id).get_or_none(cls.key_for(email), METADATA)

    @classmethod
    def lookup_for_login(cls, email: str):
        """Login and password reset start from an e-mail, before any tenant is known."""
        try:
            return cls._unscoped_get(cls.key_for(email), METADATA)
        except cls.DoesNotExist:
            return None
