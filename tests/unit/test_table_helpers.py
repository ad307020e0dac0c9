"""The helpers the table modules give the layers above (issue 9, section 1), on moto."""
from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.selectors.access import access_submission
from tests.factories.accounts import make_campaign, make_product, make_tenant
from tests.factories.ingest import make_submission


def test_lookups_by_id_return_the_item_or_none(moto_ddb):
    product = make_product()
    tenant, _ = make_tenant(product=product)
    assert Product.by_id(product.id).name == product.name
    assert Tenant.by_id(tenant.id).email == tenant.email
    assert Product.by_id("missing") is None and Product.by_id(None) is None and Product.by_id("") is None
    assert Tenant.by_id("missing") is None and Tenant.by_id(None) is None
    found = Product.by_ids({product.id, "missing", ""})
    assert list(found) == [product.id] and found[product.id].name == product.name


def test_campaign_by_code_normalises_the_code_as_typed(moto_ddb):
    campaign = make_campaign(code="SPRING-24")
    assert Campaign.by_code("  spring-24 ").code == campaign.code
    assert Campaign.by_code("SPRING-25") is None and Campaign.by_code("   ") is None and Campaign.by_code(None) is None


def test_a_submission_knows_its_shard(moto_ddb):
    tenant, _ = make_tenant()
    tenant.shardCount = 4
    tenant.save()
    for _ in range(6):
        stored = access_submission(tenant=tenant, submission_id=make_submission(tenant))
        assert stored.shard == Submission.shard_for(stored.id, 4)
        assert stored.pk == Submission.partition_for(tenant.id, stored.shard)
