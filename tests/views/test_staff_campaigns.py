"""Staff console campaign pages."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from portal.dynamo.base import utcnow
from portal.selectors.access import access_campaign
from portal.selectors.billing.campaigns import campaign_list
from portal.errors import NotFound
from tests.factories.accounts import make_campaign, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.login(username="ops", password="ops-password-123")
    return client


def _valid(product, **changes):
    today = utcnow().date()
    data = {"code": "summer-26", "name": "Summer", "product_id": product.id, "discount_percent": "15",
            "from_date": (today - timedelta(days=1)).isoformat(), "to_date": (today + timedelta(days=9)).isoformat()}
    data.update(changes)
    return data


def test_create_campaign_and_see_its_discounted_price_and_state(ddb, staff):
    product = make_product(name="Agency", price=Decimal("9.99"))
    response = staff.post("/staff/campaigns/new/", _valid(product))
    assert response.status_code == 302 and response["Location"] == "/staff/campaigns/SUMMER-26/"
    detail = staff.get(response["Location"]).content.decode()
    assert "8.49 EUR" in detail and "badge-live" in detail
    listing = staff.get("/staff/campaigns/").content.decode()
    assert "SUMMER-26" in listing and "8.49 EUR" in listing
    assert access_campaign(code="SUMMER-26").lastUpdatedBy == "ops"


INVALID = [
    ({"code": "ab"}, "The code must be 3 to 32 characters"),
    ({"code": "no spaces"}, "The code must be 3 to 32 characters"),
    ({"discount_percent": "0"}, "greater than or equal to 1"),
    ({"discount_percent": "101"}, "less than or equal to 100"),
    ({"from_date": "2026-05-02", "to_date": "2026-05-01"}, "on or after the start date"),
    ({"product_id": "unknown"}, "Select a valid choice"),
    ({"from_date": "not a date"}, "Enter a valid date"),
]


def test_invalid_campaign_form_shows_field_errors_and_writes_nothing(ddb, staff):
    product = make_product()
    for changes, error in INVALID:
        response = staff.post("/staff/campaigns/new/", _valid(product, **changes))
        assert response.status_code == 200 and error in response.content.decode(), changes
    assert campaign_list(active=True).items == [] and campaign_list(active=False).items == []


def test_taken_code_is_a_form_error(ddb, staff):
    product = make_product()
    make_campaign(product=product, code="TAKEN", discount_percent=10)
    response = staff.post("/staff/campaigns/new/", _valid(product, code="taken", discount_percent="90"))
    assert "A campaign with the code TAKEN already exists." in response.content.decode()
    assert int(access_campaign(code="TAKEN").discountPercent) == 10


def test_edit_cannot_change_the_code(ddb, staff):
    product = make_product()
    campaign = make_campaign(product=product, code="FIXED")
    response = staff.post("/staff/campaigns/FIXED/edit/",
                          _valid(product, code="CHANGED", discount_percent="40", version=campaign.version))
    assert response.status_code == 302
    assert int(access_campaign(code="FIXED").discountPercent) == 40
    with pytest.raises(NotFound):
        access_campaign(code="CHANGED")


def test_invalid_edit_changes_nothing(ddb, staff):
    product = make_product()
    campaign = make_campaign(product=product, code="KEEP", discount_percent=10)
    response = staff.post("/staff/campaigns/KEEP/edit/",
                          _valid(product, discount_percent="0", version=campaign.version))
    assert response.status_code == 200 and "greater than or equal to 1" in response.content.decode()
    stored = access_campaign(code="KEEP")
    assert int(stored.discountPercent) == 10 and stored.version == campaign.version


def test_stale_edit_is_refused(ddb, staff):
    product = make_product()
    campaign = make_campaign(product=product, code="RACE", discount_percent=10)
    staff.post("/staff/campaigns/RACE/edit/", _valid(product, discount_percent="20", version=campaign.version))
    second = staff.post("/staff/campaigns/RACE/edit/", _valid(product, discount_percent="30", version=campaign.version))
    assert "changed by someone else" in second.content.decode()
    assert int(access_campaign(code="RACE").discountPercent) == 20


def test_campaigns_of_one_product_and_delete_restore(ddb, staff):
    mine, other = make_product(name="Mine"), make_product(name="Other")
    campaign = make_campaign(product=mine, code="MINE")
    make_campaign(product=other, code="THEIRS")
    page = staff.get("/staff/campaigns/", {"product": mine.id}).content.decode()
    assert "MINE" in page and "THEIRS" not in page
    staff.post("/staff/campaigns/MINE/delete/", {"version": campaign.version})
    assert "MINE" in staff.get("/staff/campaigns/?show=deleted").content.decode()
    assert "MINE" not in staff.get("/staff/campaigns/").content.decode()
    staff.post("/staff/campaigns/MINE/restore/", {"version": campaign.version + 1})
    assert access_campaign(code="MINE").active is True
