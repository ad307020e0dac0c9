"""sites table: a tenant's WordPress sites, keyed by domain so one domain has one owner."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import ActivatableModel, TenantOwnedModel

TABLE = "sites"


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

    tenant_index = TenantSitesIndex()
    id_index = SiteIdIndex()

    @staticmethod
    def key_for(domain: str) -> str:
        return f"DOMAIN#{domain}"

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.domain)

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
