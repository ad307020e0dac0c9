"""products table: the plans staff sell."""
from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from portal.dynamo.base import ActivatableModel, ActiveIndex, DecimalAttribute, UTCDateTimeAttribute, active_key

TABLE = "products"
METADATA = "METADATA"
MONTHLY, YEARLY = "MONTHLY", "YEARLY"


class Quotas(MapAttribute):
    monthlySubmissions = NumberAttribute(default=1000)
    maxDestinations = NumberAttribute(default=3)
    maxSites = NumberAttribute(default=3)
    retentionDays = NumberAttribute(default=30)
    # Files (issue 13), in MB; items written before them read the defaults.
    maxFileMb = NumberAttribute(default=10)
    maxSubmissionFilesMb = NumberAttribute(default=25)
    maxFilesPerSubmission = NumberAttribute(default=10)
    monthlyFileStorageMb = NumberAttribute(default=1024)


class ProductActiveIndex(GlobalSecondaryIndex):
    """activeKey is ACTIVE or INACTIVE, so staff can list either side."""

    class Meta:
        index_name = "ProductActiveIndex"
        projection = AllProjection()

    activeKey = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class Product(ActivatableModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=METADATA)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price = DecimalAttribute()
    currency = UnicodeAttribute(default="EUR")
    billingCycle = UnicodeAttribute(default=MONTHLY)
    features = ListAttribute(of=UnicodeAttribute, default=list)
    quotas = Quotas(default=Quotas)
    activeKey = UnicodeAttribute(default="ACTIVE")
    activeSparse = UnicodeAttribute(null=True)
    version = VersionAttribute()

    active_status_index = ProductActiveIndex()
    active_index = ActiveIndex()

    @staticmethod
    def key_for(product_id: str) -> str:
        return f"PRODUCT#{product_id}"

    @classmethod
    def by_id(cls, product_id: str | None) -> "Product | None":
        """The product (active or deleted), or None."""
        if not product_id:
            return None
        try:
            return cls.get(cls.key_for(product_id), METADATA)
        except cls.DoesNotExist:
            return None

    @classmethod
    def by_ids(cls, product_ids) -> dict[str, "Product"]:
        """Products by id, in one BatchGetItem (PynamoDB pages by 100); missing ids are left out."""
        ids = sorted({i for i in product_ids if i})
        if not ids:
            return {}
        return {p.id: p for p in cls.batch_get([(cls.key_for(i), METADATA) for i in ids])}

    def sync_index_keys(self) -> None:
        self.pk = self.key_for(self.id)
        self.activeKey = active_key(self.active)
        self.activeSparse = "ACTIVE" if self.active else None
