"""The access helpers: one NotFound for "missing" and "not yours" alike."""
import pytest

from portal.errors import NotFound
from portal.selectors.access import (access_api_key, access_campaign, access_destination, access_product, access_site,
                                     access_submission, access_tenant)
from portal.services.sites.api_keys import api_key_create
from tests.factories.accounts import make_campaign, make_product, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_site, make_submission


def test_another_tenants_things_are_not_found_like_missing_ones(ddb):
    mine, owner = make_tenant()
    other, _ = make_tenant()
    site = make_site(mine)
    key, _raw = api_key_create(tenant=mine, actor="tests", site=site)
    destination = make_destination(mine, owner)
    submission_id = make_submission(mine)
    assert access_site(tenant=mine, site_id=site.id).id == site.id
    assert access_api_key(tenant=mine, site=site, key_id=key.id).id == key.id
    assert access_destination(tenant=mine, destination_id=destination.id).id == destination.id
    assert access_submission(tenant=mine, submission_id=submission_id).id == submission_id
    refused = [
        lambda: access_site(tenant=other, site_id=site.id),
        lambda: access_api_key(tenant=other, site=site, key_id=key.id),
        lambda: access_destination(tenant=other, destination_id=destination.id),
        lambda: access_submission(tenant=other, submission_id=submission_id),
        lambda: access_site(tenant=mine, site_id="missing"),
        lambda: access_destination(tenant=mine, destination_id="x" * 500),
        lambda: access_submission(tenant=mine, submission_id="not-a-ulid"),
    ]
    for access in refused:
        with pytest.raises(NotFound):
            access()


def test_staff_things_by_id_or_code(ddb):
    product = make_product()
    campaign = make_campaign(product=product, code="SPRING")
    tenant, _ = make_tenant()
    assert access_product(product_id=product.id).id == product.id
    assert access_campaign(code=" spring ").code == "SPRING"
    assert access_tenant(tenant_id=tenant.id).id == tenant.id
    for access in (lambda: access_product(product_id="nope"), lambda: access_campaign(code="NOPE"),
                   lambda: access_tenant(tenant_id="nope")):
        with pytest.raises(NotFound):
            access()
    assert campaign.code == "SPRING"
