"""Staff console: cost per tenant (issue 17). The page lists every tenant with the month's
read and write units, a storage estimate and the estimated cost at the configured prices,
most expensive first; a threshold per tenant e-mails staff once a month when reached."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from portal.dynamo.connection.metering import capacity_record
from portal.selectors.access import access_tenant
from portal.selectors.billing.costs import tenant_cost_month
from portal.services.billing.costs import cost_alert_check, cost_alerts_check
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_submission

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True, email="ops@fb.example")
    client = Client()
    client.login(username="ops", password="ops-password-123")
    return client


def _units(tenant, *, write=0.0, read=0.0, stored=0, at=NOW):
    capacity_record(tenant_id=tenant.id, at=at, stored_bytes=stored,
                    units={"wcu:submissions": write, "rcu:submissions": read})


def test_the_page_lists_tenants_by_estimated_cost_at_the_configured_prices(ddb, staff, settings):
    settings.COST_USD_PER_MILLION_WRITE_UNITS = "1.25"  # twice the default
    cheap, _ = make_tenant(organization="Cheap Co")
    dear, _ = make_tenant(organization="Dear Co")
    _units(cheap, write=1_000_000, read=0)
    _units(dear, write=2_000_000, read=4_000_000, stored=2 * 1024 ** 3)
    _units(dear, write=5_000_000, at=datetime(2030, 2, 27, tzinfo=timezone.utc))  # another month
    response = staff.get("/staff/costs/", {"month": "2030-03"})
    assert response.status_code == 200
    rows = [(row.tenant.organization, row.write_units, row.read_units, row.cost)
            for row in response.context["rows"]]
    # Dear: 2 M WCU x 1.25 + 4 M RCU x 0.125 + 2 GB x 0.25 = 2.50 + 0.50 + 0.50
    assert rows == [("Dear Co", Decimal(2_000_000), Decimal(4_000_000), Decimal("3.5")),
                    ("Cheap Co", Decimal(1_000_000), Decimal(0), Decimal("1.25"))]
    body = response.content.decode()
    assert body.index("Dear Co") < body.index("Cheap Co")
    assert "3.5000" in body and "1.2500" in body


def test_storage_counts_only_days_inside_the_retention_window(ddb):
    tenant, _ = make_tenant()  # the default plan keeps submissions for its retention days
    _units(tenant, stored=1000, at=datetime(2030, 3, 1, tzinfo=timezone.utc))
    _units(tenant, stored=500, at=datetime(2028, 1, 1, tzinfo=timezone.utc))  # long expired
    assert tenant_cost_month(tenant=tenant, month=NOW.date(), today=NOW.date()).stored_bytes == 1000


def test_an_ingest_shows_on_the_page_with_its_units_and_bytes(ddb, staff):
    tenant, _ = make_tenant(organization="Busy Co")
    make_submission(tenant, fields={"message": "Hello"})
    from portal.dynamo.connection.metering import capacity_flush_all
    capacity_flush_all()
    response = staff.get("/staff/costs/")
    cost = next(row for row in response.context["rows"] if row.tenant.id == tenant.id)
    assert cost.write_units >= 3 and cost.stored_bytes > 100 and cost.cost > 0


def test_staff_set_a_threshold_and_are_emailed_once_a_month_when_it_is_reached(ddb, staff, settings):
    settings.COST_ALERT_EMAILS = []  # the staff users' addresses
    tenant, _ = make_tenant(organization="Spender Co")
    response = staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": "2.00",
                                                                   "month": "2030-03"})
    assert response.status_code == 302 and response["Location"] == "/staff/costs/?month=2030-03"
    tenant = access_tenant(tenant_id=tenant.id)
    assert tenant.costAlertUsd == Decimal("2.00")
    _units(tenant, write=3_000_000)  # USD 1.875: below
    assert cost_alert_check(tenant=tenant, now=NOW) is None and mail.outbox == []
    _units(tenant, write=1_000_000)  # USD 2.50: reached
    assert cost_alert_check(tenant=tenant, now=NOW) is not None
    assert cost_alerts_check(now=NOW) == []  # already sent this month: a conditional write says so
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@fb.example"]
    assert "Spender Co" in mail.outbox[0].subject and "2.5000" in mail.outbox[0].body
    _units(tenant, write=5_000_000, at=datetime(2030, 4, 2, tzinfo=timezone.utc))
    assert len(cost_alerts_check(now=datetime(2030, 4, 2, 12, tzinfo=timezone.utc))) == 1  # a new month
    assert len(mail.outbox) == 2


def test_a_bad_threshold_changes_nothing_and_a_blank_one_clears_it(ddb, staff):
    tenant, _ = make_tenant()
    for bad in ("-1", "abc", "0", "99999999"):
        staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": bad})
        assert access_tenant(tenant_id=tenant.id).costAlertUsd is None, bad
    staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": "5"})
    tenant = access_tenant(tenant_id=tenant.id)
    stale = staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version - 1, "threshold": "9"})
    assert stale.status_code == 302 and access_tenant(tenant_id=tenant.id).costAlertUsd == Decimal("5.00")
    staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": ""})
    assert access_tenant(tenant_id=tenant.id).costAlertUsd is None


def test_an_unknown_tenant_is_404_and_tenant_users_never_reach_the_page(ddb, staff):
    assert staff.post("/staff/costs/no-such-tenant/threshold/", {"version": 1, "threshold": "5"}).status_code == 404
    tenant, user = make_tenant()
    portal = Client()
    portal.post("/login/", {"email": user.email, "password": PASSWORD})
    for response in (portal.get("/staff/costs/"),
                     portal.post(f"/staff/costs/{tenant.id}/threshold/", {"version": 1, "threshold": "5"})):
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert access_tenant(tenant_id=tenant.id).costAlertUsd is None


def test_a_bad_month_shows_this_month_with_a_message(ddb, staff):
    response = staff.get("/staff/costs/", {"month": "2030-13"})
    assert response.status_code == 200 and "YYYY-MM" in response.content.decode()


def test_the_worker_alerts_about_a_tenant_whose_traffic_is_all_ingest(ddb, staff, settings):
    import threading

    from portal.services.billing.costs import cost_alerts_run_forever

    settings.COST_ALERT_EMAILS = ["ops@fb.example"]
    tenant, _ = make_tenant(organization="Ingest Only Co")
    assert staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": "1.00",
                                                               "month": ""}).status_code == 302
    _units(tenant, write=2_000_000, at=datetime.now(timezone.utc))  # USD 1.25 this month, no delivery
    stop = threading.Event()
    thread = threading.Thread(target=cost_alerts_run_forever, kwargs={"stop": stop, "interval": 0.05})
    thread.start()
    try:
        for _ in range(100):
            if mail.outbox:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert len(mail.outbox) == 1 and "Ingest Only Co" in mail.outbox[0].subject


def _row_form(page: str, tenant_id: str) -> tuple[str, dict]:
    """The threshold form of one tenant's row as a browser would submit it: its action and the
    names and values of its inputs."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__()
            self.forms, self.current = [], None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("method") == "post":
                self.current = (attrs["action"], {}, attrs)
                self.forms.append(self.current)
            elif tag == "input" and self.current and attrs.get("name"):
                self.current[1][attrs["name"]] = attrs.get("value", "")
                self.current[2]["input:" + attrs["name"]] = attrs

        def handle_endtag(self, tag):
            if tag == "form":
                self.current = None

    parser = Forms()
    parser.feed(page)
    (action, values, attrs), = [form for form in parser.forms if form[0] == f"/staff/costs/{tenant_id}/threshold/"]
    return action, values, attrs


def test_each_row_offers_a_threshold_form_that_saves_as_shown(ddb, staff):
    tenant, _ = make_tenant(organization="Row Co")
    _units(tenant, write=1_000_000)
    staff.post(f"/staff/costs/{tenant.id}/threshold/", {"version": tenant.version, "threshold": "7.50"})
    page = staff.get("/staff/costs/", {"month": "2030-03"}).content.decode()
    action, values, attrs = _row_form(page, tenant.id)
    assert values["threshold"] == "7.50" and values["month"] == "2030-03"
    assert values["version"] == str(access_tenant(tenant_id=tenant.id).version)
    threshold = attrs["input:threshold"]
    assert (threshold["type"], threshold["min"], threshold["step"]) == ("number", "0.01", "0.01")
    assert f'for="{threshold["id"]}"' in page  # its label
    response = staff.post(action, {**values, "threshold": "9.25"})
    assert response.status_code == 302 and response["Location"] == "/staff/costs/?month=2030-03"
    assert access_tenant(tenant_id=tenant.id).costAlertUsd == Decimal("9.25")
    # The form as now shown carries the new version: saving it again works, the old one is refused.
    _, again, _ = _row_form(staff.get("/staff/costs/", {"month": "2030-03"}).content.decode(), tenant.id)
    assert again["threshold"] == "9.25" and again["version"] != values["version"]
