"""sites table: a tenant's WordPress sites, keyed by domain.

Several tenants may claim one domain (a claim says nothing about who owns it, so adding a
domain never tells one tenant that another has it); the first claim has sort key SITE, later
claims SITE#{tenantId}. Ownership is proven by verification (DNS TXT or a well-known file):
at most one claim of a domain is verified at a time, and only that one accepts browser
posts."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, TenantOwnedModel, UTCDateTimeAttribute, transact_write, utcnow

TABLE = "sites"
FIRST_CLAIM = "SITE"


class TenantSitesIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "TenantSitesIndex"
        projection = AllProjection()

    tenantId = UnicodeAttribute(hash_key=True)
    domain = UnicodeAttribute(range_key=True)


class SiteIdIndex(GlobalSecondaryIndex):
    """A site by its id: browser form posts name the site in the URL (/f/{siteId}/{formId})."""

    class Meta:
        index_name = "SiteIdIndex"
        projection = AllProjection()

    id = UnicodeAttribute(hash_key=True)


class Site(TenantOwnedModel, ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="SITE")
    tenantId = UnicodeAttribute()
    domain = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    version = VersionAttribute()

    # --- ingest edge: browser-post protection (the site's protection page) ---
    captchaProvider = UnicodeAttribute(default="")  # "" (none), turnstile, hcaptcha, recaptcha_v2, recaptcha_v3
    captchaSiteKey = UnicodeAttribute(default="")  # public: goes into the site's HTML
    captchaSecretEncrypted = UnicodeAttribute(null=True)  # Fernet (portal.crypto), like destination secrets
    captchaMinScore = NumberAttribute(default=0.5)  # reCAPTCHA v3: lower scores are refused
    browserDailyCap = NumberAttribute(null=True)  # browser posts per UTC day that may count; None: the setting
    # --- end ingest edge ---
    # --- domain ownership (portal/services/sites/domain_verification.py) ---
    verificationToken = UnicodeAttribute(null=True)  # published by the tenant in DNS or a file
    verifiedAt = UTCDateTimeAttribute(null=True)  # None: unverified (no browser posts)
    verifiedBy = UnicodeAttribute(null=True)  # how: dns-txt, file, staff, demo

    tenant_index = TenantSitesIndex()
    id_index = SiteIdIndex()

    @staticmethod
    def key_for(domain: str) -> str:
        return f"DOMAIN#{domain}"

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.domain)

    @staticmethod
    def sort_for_claim(tenant_id: str, *, first: bool) -> str:
        return FIRST_CLAIM if first else f"SITE#{tenant_id}"

    @property
    def verified(self) -> bool:
        return self.verifiedAt is not None

    @classmethod
    def every_tenants(cls):
        """All sites of every tenant: only for operator commands (key rotation)."""
        return cls._unscoped_scan()

    @classmethod
    def claims_of_domain(cls, domain: str) -> list["Site"]:
        """Every tenant's claim of a domain (for claiming and verifying, before any tenant scope
        applies: callers never show another tenant's claim)."""
        return list(cls._unscoped_query(cls.key_for(domain), consistent_read=True))

    @classmethod
    def save_verified(cls, site: "Site", *, method: str, others: list["Site"]) -> None:
        """Mark one claim verified and every other claim of its domain unverified, in one
        transaction with version checks on all of them: two verifications at once cannot both
        win (TransactWriteError; the caller reads again)."""
        site.verifiedAt, site.verifiedBy = utcnow(), method
        with transact_write() as transaction:
            transaction.save(site)
            for other in others:
                if other.verified:
                    other.verifiedAt, other.verifiedBy = None, None
                    transaction.save(other)
                else:
                    transaction.condition_check(cls, other.pk, other.sk, condition=cls.version == other.version)

    @classmethod
    def lookup_by_domain(cls, domain: str):
        """Ownership check for a domain before any tenant is involved (browser form posts)."""
        try:
            return cls._unscoped_get(cls.key_for(domain), "SITE")
        except cls.DoesNotExist:
            return None

    @classmethod
    def lookup_by_id(cls, site_id: str):
        """The site a public form post names, before any tenant is involved (the caller checks
        that it is active and that the request comes from its domain)."""
        if not site_id or len(site_id) > 64:
            return None
        for site in cls._unscoped_query(site_id, index_name=SiteIdIndex.Meta.index_name, limit=1):
            return site
        return None
