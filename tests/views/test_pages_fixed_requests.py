"""Pages that stay fast however big the tenant or the platform: the dashboard and the staff
cost page make the same number of DynamoDB requests (and the dashboard reads the same units)
whatever the number of sites, forms, hours and tenants behind them; the cost page reads 50
rows a page with totals for the whole platform, and no list offers an empty last page."""
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from portal.dynamo.connection import capacity
from portal.dynamo.connection.metering import capacity_record
from portal.dynamo.metrics import counters_add, submission_counts
from portal.observability.metrics import REGISTRY
from portal.services.metrics_rollups import rollups_repair
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission

pytestmark = pytest.mark.django_db


def _requests() -> Counter:
    """DynamoDB requests made so far in this process, by operation (the botocore hook's count)."""
    made = Counter()
    for family in REGISTRY.collect():
        for sample in family.samples if family.name == "formbridge_dynamodb_requests" else ():
            if sample.name == "formbridge_dynamodb_requests_total":
                made[sample.labels["operation"]] += sample.value
    return made


def _measured(get):
    """(DynamoDB requests, read units) of one page."""
    before = _requests()
    with capacity.metered() as meter:
        response = get()
    assert response.status_code == 200
    made = _requests()
    made.subtract(before)
    return +made, meter.read_units, response


def _signed_in(user) -> Client:
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _busy_month(tenant, *, sites: int, forms: int, days: int = 30) -> None:
    """Day counters shaped like a busy tenant's: every site, form and hour filled on each day
    (written as the counter flush writes them), then the month rollups built from them."""
    today = datetime.now(timezone.utc).replace(hour=12)
    for offset in range(days):
        at = today - timedelta(days=offset)
        for s in range(sites):
            for f in range(forms):
                counts = {}
                for hour in range(24):
                    for name, n in submission_counts(hour=hour, spam=False).items():
                        counts[name] = counts.get(name, 0) + n
                counters_add(tenant_id=tenant.id, at=at, shard=0, counts=counts, form_key=f"form-{f}",
                             site_id=f"site-{s}")
    for month in {today.date().replace(day=1), (today - timedelta(days=days - 1)).date().replace(day=1)}:
        rollups_repair(tenant_id=tenant.id, month=month)


def test_the_dashboard_reads_the_same_whatever_the_sites_forms_and_hours(ddb):
    small, small_owner = make_tenant()
    make_submission(small, fields={"email": "a@example.com"})
    big, big_owner = make_tenant()
    _busy_month(big, sites=4, forms=6)
    small_client, big_client = _signed_in(small_owner), _signed_in(big_owner)
    small_requests, small_units, _ = _measured(lambda: small_client.get("/"))
    big_requests, big_units, response = _measured(lambda: big_client.get("/"))
    assert response.context["summary"].total == 4 * 6 * 24 * 30
    assert big_requests == small_requests
    assert big_units <= small_units + 1  # two small items (the day items: 720, about 30 read units)


def test_the_cost_page_makes_the_same_requests_for_3_or_60_tenants_and_pages_by_50(ddb, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True, email="ops@fb.example")
    staff = Client()
    staff.login(username="ops", password="ops-password-123")
    now = datetime.now(timezone.utc)
    tenants = [make_tenant(organization=f"Co {n:02d}")[0] for n in range(3)]
    for n, tenant in enumerate(tenants):
        capacity_record(tenant_id=tenant.id, at=now, units={"wcu:submissions": 1000.0 * (n + 1)})
    few, _, response = _measured(lambda: staff.get("/staff/costs/"))
    assert [row.tenant.organization for row in response.context["rows"]] == ["Co 02", "Co 01", "Co 00"]
    for n in range(3, 60):
        tenant = make_tenant(organization=f"Co {n:02d}")[0]
        capacity_record(tenant_id=tenant.id, at=now, units={"wcu:submissions": 1000.0 * (n + 1)})
    many, _, response = _measured(lambda: staff.get("/staff/costs/"))
    assert many == few
    rows = list(response.context["rows"])
    assert len(rows) == 50 and rows[0].tenant.organization == "Co 59" and rows[-1].tenant.organization == "Co 10"
    platform = response.context["platform"]
    assert (platform.tenants, platform.write_units) == (60, sum(1000 * (n + 1) for n in range(60)))
    assert "USD" in response.content.decode() and response.context["page"].next_cursor
    rest = staff.get("/staff/costs/", {"cursor": response.context["page"].next_cursor,
                                       "month": now.strftime("%Y-%m")})
    assert [row.tenant.organization for row in rest.context["rows"]] == [f"Co {n:02d}" for n in range(9, -1, -1)]
    assert rest.context["page"].next_cursor is None


def test_a_list_that_ends_on_a_full_page_offers_no_next_page(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant), make_site(tenant)
    for n in range(25):
        make_submission(tenant, site_id=site_a.id, fields={"n": str(n)})
    client = _signed_in(owner)
    page = client.get("/submissions/").context["page"]
    assert len(page.items) == 25 and page.next_cursor is None
    for n in range(50):  # the site filter reads past other sites' submissions and still fills its page
        make_submission(tenant, site_id=site_b.id, fields={"n": str(n)})
    for n in range(30):
        make_submission(tenant, site_id=site_a.id, fields={"n": str(n)})
    page = client.get("/submissions/", {"site": site_a.id}).context["page"]
    assert len(page.items) == 25 and page.next_cursor
    following = client.get("/submissions/", {"site": site_a.id, "cursor": page.next_cursor}).context["page"]
    assert len(following.items) == 25 and following.next_cursor
    last = client.get("/submissions/", {"site": site_a.id, "cursor": following.next_cursor}).context["page"]
    assert len(last.items) == 5 and last.next_cursor is None
