"""campaigns table: discount codes; the code is the business key."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, ActiveIndex, active_key

TABLE = "campaigns"
METADATA = "METADATA"


class CampaignActiveIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "CampaignActiveIndex"
        projection = AllProjection()

    activeKey = UnicodeAttribute(hash_key=True)
    fromDate = UnicodeAttribute(range_key=True)


class CampaignProductIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "CampaignProductIndex"
        projection = AllProjection()

    productId = UnicodeAttribute(hash_key=True)
    fromDate = UnicodeAttribute(range_key=True)


class Campaign(ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=METADATA)
    code = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    productId = UnicodeAttribute()
    discountPercent = NumberAttribute()
    fromDate = UnicodeAttribute()  # ISO date, inclusive
    toDate = UnicodeAttribute()  # ISO date, inclusive
    activeKey = UnicodeAttribute(default="ACTIVE")
    activeSparse = UnicodeAttribute(null=True)
    version = VersionAttribute()

    active_status_index = CampaignActiveIndex()
    product_index = CampaignProductIndex()
    active_index = ActiveIndex()

    @staticmethod
    def key_for(code: str) -> str:
        return f"CAMPAIGN#{code}"

    @staticmethod
    def normalize_code(code: str) -> str:
        """Codes are case-insensitive for whoever types them: stored upper case, trimmed."""
        return code.strip().upper()

    @classmethod
    def by_code(cls, code: str | None) -> "Campaign | None":
        """The campaign (active or deleted) with this code as anyone may type it, or None."""
        code = cls.normalize_code(code or "")
        if not code:
            return None
        try:
            return cls.get(cls.key_for(code), METADATA)
        except cls.DoesNotExist:
            return None

    def sync_index_keys(self) -> None:
        self.id = self.code
        self.pk = self.key_for(self.code)
        self.activeKey = active_key(self.active)
        self.activeSparse = "ACTIVE" if self.active else None
