"""One plan, one usage: a tenant without a plan sees the same monthly quota on the account,
plan and dashboard pages (and staff on the tenant page), and ingest refuses at that number."""
import json

import pytest
from django.test import Client

from portal.dynamo.base import utcnow
from portal.dynamo.metrics import DailyMetrics
from portal.dynamo.products import Quotas
from portal.dynamo.tenants import REGISTERED
from portal.dynamo.users import OWNER
from portal.services.billing.tenants import tenant_create
from portal.services.accounts.users import portal_user_create
from portal.services.metrics_rollups import rollups_repair
from tests.factories.accounts import PASSWORD
from tests.factories.ingest import make_key

pytestmark = pytest.mark.django_db
QUOTA = int(Quotas().monthlySubmissions)  # what a tenant without a plan gets


@pytest.fixture
def planless(ddb):
    """A tenant with no product, one submission short of the default quota this month."""
    tenant = tenant_create(email="owner@noplan.example", organization="No Plan Co", actor="tests",
                           product_id=None, status=REGISTERED)
    portal_user_create(tenant_id=tenant.id, email="owner@noplan.example", password=PASSWORD, role=OWNER, actor="tests")
    day = utcnow().date().isoformat()
    # Ingest writes these counters with ADD; QUOTA - 1 submissions are set up directly.
    DailyMetrics.in_tenant(tenant.id).new(
        pk=DailyMetrics.partition_for(tenant.id), sk=DailyMetrics.sort_for(day), date=day, submissions=QUOTA - 1,
        gsi1pk=DailyMetrics.day_index_key(day), gsi1sk=tenant.id).save()
    rollups_repair(tenant_id=tenant.id, month=utcnow().date())  # the month rollup, from the day items
    client = Client()
    assert client.post("/login/", {"email": "owner@noplan.example", "password": PASSWORD}).status_code == 302
    return tenant, client


def test_account_plan_and_dashboard_show_the_same_default_quota_and_never_none(planless):
    tenant, client = planless
    pages = {url: client.get(url).content.decode() for url in ("/account/", "/account/plan/", "/")}
    used = QUOTA - 1
    assert f"{used:,} of {QUOTA:,} submissions this month" in pages["/account/"]
    assert f'usage-submissions">{used}</p>' in pages["/account/plan/"]
    assert f"of {QUOTA:,} submissions" in pages["/account/plan/"]
    assert f'{used:,} <span class="muted small">of {QUOTA:,}</span>' in pages["/"]
    for url, body in pages.items():
        assert "None" not in body, url


def test_staff_tenant_page_shows_the_same_default_quota(planless, django_user_model):
    tenant, _ = planless
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    staff = Client()
    staff.login(username="ops", password="ops-password-123")
    body = staff.get(f"/staff/tenants/{tenant.id}/").content.decode()
    assert f"<dt>Submissions</dt><dd>{QUOTA - 1:,} of {QUOTA:,}</dd>" in body and "None" not in body


def test_ingest_refuses_at_that_same_quota(planless):
    tenant, _ = planless
    _, raw = make_key(tenant)

    def post():
        return Client().post("/api/v1/submissions", data=json.dumps({"form_id": "contact", "fields": {"a": "b"}}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert post().status_code == 202  # the last one of the quota
    refused = post()
    assert refused.status_code == 429
    assert f"Your plan's {QUOTA} submissions for this month are used up" in refused.json()["detail"]
