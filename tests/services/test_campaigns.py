"""Campaigns on DynamoDB Local: the business key, validation, state and price on read."""
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.dynamo.audit import AuditEntry
from portal.dynamo.campaigns import Campaign
from portal.errors import ConcurrentEdit, NotFound
from portal.selectors.access import access_campaign, access_product
from portal.selectors.billing.campaigns import (campaign_list, campaign_list_for_product, campaign_list_live, campaign_view,
                                        discounted_price)
from portal.services.billing.campaigns import (CampaignCodeTaken, CampaignInvalid, campaign_create, campaign_delete,
                                       campaign_restore, campaign_update)
from portal.services.billing.products import product_delete
from tests.factories.accounts import make_campaign, make_product

TODAY = date(2026, 3, 15)


def _count_campaigns() -> int:
    return sum(Campaign.active_status_index.count(key) for key in ("ACTIVE", "INACTIVE"))


@pytest.mark.parametrize("price, percent, expected", [
    (Decimal("49.00"), 20, Decimal("39.20")),
    (Decimal("9.99"), 15, Decimal("8.49")),   # 8.4915
    (Decimal("0.05"), 50, Decimal("0.03")),   # 0.025 rounds half up
    (Decimal("10.00"), 100, Decimal("0.00")),
])
def test_discounted_price_rounds_half_up_to_the_cent_in_decimal(price, percent, expected):
    result = discounted_price(price=price, discount_percent=percent)
    assert result == expected and isinstance(result, Decimal) and str(result) == str(expected)


def test_create_upper_cases_the_code_and_get_by_code_finds_it(ddb):
    product = make_product(price=Decimal("49.00"))
    make_campaign(product=product, code=" spring-26 ", discount_percent=25)
    campaign = access_campaign(code="SPRING-26")
    assert campaign.code == "SPRING-26" and campaign.productId == product.id and campaign.lastUpdatedBy == "tests"


@pytest.mark.parametrize("changes, field", [
    ({"code": "ab"}, "code"),
    ({"code": "HAS SPACE"}, "code"),
    ({"code": "X" * 33}, "code"),
    ({"discount_percent": 0}, "discount_percent"),
    ({"discount_percent": 101}, "discount_percent"),
    ({"from_date": TODAY, "to_date": TODAY - timedelta(days=1)}, "to_date"),
    ({"product_id": "missing"}, "product_id"),
])
def test_invalid_campaign_is_refused_and_writes_nothing(ddb, changes, field):
    product = make_product()
    values = dict(actor="alice", code="VALID", product_id=product.id, discount_percent=10,
                  from_date=TODAY, to_date=TODAY)
    values.update(changes)
    with pytest.raises(CampaignInvalid) as refused:
        campaign_create(**values)
    assert refused.value.field == field and _count_campaigns() == 0


def test_campaign_for_a_deleted_product_is_refused(ddb):
    product = make_product()
    product_delete(actor="alice", product=access_product(product_id=product.id))
    with pytest.raises(CampaignInvalid, match="active product"):
        make_campaign(product=product)
    assert _count_campaigns() == 0


def test_two_concurrent_creates_of_one_code_give_one_campaign_and_one_clear_error(ddb):
    product = make_product()
    barrier, results = threading.Barrier(2), []

    def create(discount):
        barrier.wait()
        try:
            campaign_create(actor=f"staff{discount}", code="RACE", product_id=product.id, discount_percent=discount,
                            from_date=TODAY, to_date=TODAY)
            results.append("created")
        except CampaignCodeTaken as error:
            results.append(str(error))

    threads = [threading.Thread(target=create, args=(d,)) for d in (10, 20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["A campaign with the code RACE already exists.", "created"]
    assert _count_campaigns() == 1


def test_state_is_computed_on_read(ddb):
    product = make_product(price=Decimal("100.00"))
    make_campaign(product=product, code="PAST", from_date=date(2026, 1, 1), to_date=date(2026, 2, 1))
    make_campaign(product=product, code="NOW", from_date=date(2026, 3, 15), to_date=date(2026, 3, 15))
    make_campaign(product=product, code="LATER", from_date=date(2026, 3, 16), to_date=date(2026, 4, 1))
    states = {v.code: v.state for v in campaign_list(active=True, today=TODAY)}
    assert states == {"PAST": "expired", "NOW": "live", "LATER": "scheduled"}
    assert campaign_view(campaign=access_campaign(code="NOW"), today=TODAY).discounted_price == Decimal("80.00")


def test_list_live_shows_only_campaigns_running_today(ddb):
    product = make_product()
    make_campaign(product=product, code="PAST", from_date=date(2026, 1, 1), to_date=date(2026, 3, 14))
    make_campaign(product=product, code="LIVE", from_date=date(2026, 3, 1), to_date=date(2026, 3, 31))
    make_campaign(product=product, code="LATER", from_date=date(2026, 3, 16), to_date=date(2026, 4, 1))
    deleted = make_campaign(product=product, code="GONE", from_date=date(2026, 3, 1), to_date=date(2026, 3, 31))
    campaign_delete(actor="alice", campaign=access_campaign(code=deleted.code))
    assert [v.code for v in campaign_list_live(today=TODAY)] == ["LIVE"]


def test_list_by_product_returns_only_that_products_campaigns(ddb):
    mine, other = make_product(), make_product()
    make_campaign(product=mine, code="MINE-1", from_date=date(2026, 1, 1), to_date=date(2026, 1, 2))
    make_campaign(product=mine, code="MINE-2", from_date=date(2026, 2, 1), to_date=date(2026, 2, 2))
    make_campaign(product=other, code="OTHER")
    page = campaign_list_for_product(product_id=mine.id, today=TODAY)
    assert [v.code for v in page] == ["MINE-2", "MINE-1"]


def test_update_keeps_the_code_and_a_stale_second_edit_is_refused(ddb):
    product = make_product()
    campaign = make_campaign(product=product, code="EDIT", discount_percent=10)
    values = dict(campaign=access_campaign(code="EDIT"), version=campaign.version, name="", product_id=product.id,
                  from_date=TODAY, to_date=TODAY)
    campaign_update(actor="alice", discount_percent=30, **values)
    with pytest.raises(ConcurrentEdit):
        campaign_update(actor="bob", discount_percent=50, **values)
    stored = access_campaign(code="EDIT")
    assert (stored.code, int(stored.discountPercent), stored.lastUpdatedBy) == ("EDIT", 30, "alice")
    entry = next(AuditEntry.staff_log(filter_condition=AuditEntry.action == "campaign.update"))
    assert entry.before["discountPercent"] == 10 and entry.after["discountPercent"] == 30


def test_soft_delete_and_restore(ddb):
    campaign = make_campaign(code="TOGGLE")
    campaign_delete(actor="alice", campaign=access_campaign(code="toggle"), version=campaign.version)
    assert [v.code for v in campaign_list(active=False, today=TODAY)] == ["TOGGLE"]
    assert campaign_view(campaign=access_campaign(code="TOGGLE")).state == "deleted"
    campaign_restore(actor="alice", campaign=access_campaign(code="TOGGLE"))
    assert access_campaign(code="TOGGLE").active is True


def test_unknown_code_is_not_found(ddb):
    with pytest.raises(NotFound):
        access_campaign(code="NOPE")
