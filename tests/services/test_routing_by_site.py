"""Routing by site: a destination takes every site or chosen sites, and within them every form
or chosen forms. Ingest, re-send and bulk retry follow it; the destination form offers the
tenant's sites and the forms seen on them as choices."""
from datetime import timedelta

import pytest
from django.test import Client

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import submission_rows
from portal.selectors.access import access_destination, access_submission
from portal.services.delivery_setup.deliveries import NotRouted, deliveries_bulk_retry, delivery_resend
from portal.services.delivery_setup.destinations import InvalidDestination, destination_update
from tests.factories.accounts import PASSWORD, make_product, make_tenant
from tests.factories.delivery import FakeClock, Receiver, make_destination
from tests.factories.ingest import make_site, make_submission
from tests.services.test_deliveries import _fail_completely, _row


def _routed(tenant, submission_id):
    rows, _ = submission_rows(tenant.id, submission_id)
    return {row.destinationId for row in rows}


@pytest.fixture
def agency(ddb):
    tenant, user = make_tenant(product=make_product(max_destinations=5))
    return tenant, user, make_site(tenant, domain="a.example"), make_site(tenant, domain="b.example")


def test_site_only_form_only_and_site_and_form_routing_at_ingest(agency):
    tenant, user, site_a, site_b = agency
    site_only = make_destination(tenant, user, name="A's CRM", site_ids=[site_a.id])
    form_only = make_destination(tenant, user, name="Quotes", form_ids=["quote"])
    both = make_destination(tenant, user, name="A's quotes", site_ids=[site_a.id], form_ids=["quote"])
    everything = make_destination(tenant, user, name="Archive")
    a_contact = make_submission(tenant, site_id=site_a.id, form_id="contact")
    a_quote = make_submission(tenant, site_id=site_a.id, form_id="quote")
    b_contact = make_submission(tenant, site_id=site_b.id, form_id="contact")
    b_quote = make_submission(tenant, site_id=site_b.id, form_id="quote")
    no_site = make_submission(tenant, form_id="quote")
    assert _routed(tenant, a_contact) == {site_only.id, everything.id}
    assert _routed(tenant, a_quote) == {site_only.id, form_only.id, both.id, everything.id}
    assert _routed(tenant, b_contact) == {everything.id}
    assert _routed(tenant, b_quote) == {form_only.id, everything.id}
    assert _routed(tenant, no_site) == {form_only.id, everything.id}
    row, = [r for r in submission_rows(tenant.id, a_quote)[0] if r.destinationId == both.id]
    assert (row.siteId, row.formId) == (site_a.id, "quote")


def test_a_destination_takes_only_the_tenants_own_sites(agency):
    tenant, user, site_a, _ = agency
    other, _other_user = make_tenant()
    foreign = make_site(other, domain="foreign.example")
    with pytest.raises(InvalidDestination) as refused:
        make_destination(tenant, user, site_ids=[site_a.id, foreign.id])
    assert set(refused.value.errors) == {"site_ids"}


def test_resend_follows_the_routing(agency):
    tenant, user, site_a, site_b = agency
    with Receiver() as receiver:
        destination = make_destination(tenant, user, url=receiver.url, site_ids=[site_a.id])
        on_b = make_submission(tenant, site_id=site_b.id)
        on_a = make_submission(tenant, site_id=site_a.id)
        fresh = access_destination(tenant=tenant, destination_id=destination.id)
        with pytest.raises(NotRouted):
            delivery_resend(tenant=tenant, actor=user.email, destination=fresh,
                            submission=access_submission(tenant=tenant, submission_id=on_b))
        assert _routed(tenant, on_b) == set()
        outcome = delivery_resend(tenant=tenant, actor=user.email, destination=fresh,
                                  submission=access_submission(tenant=tenant, submission_id=on_a))
        assert outcome.attempt.succeeded
        # The page offers only destinations that take the submission.
        client = Client()
        client.post("/login/", {"email": user.email, "password": PASSWORD})
        assert destination.name not in client.get(f"/submissions/{on_b}/deliveries/").context["resend_form"].as_p()


def test_bulk_retry_skips_deliveries_the_routing_no_longer_takes(agency):
    tenant, user, site_a, site_b = agency
    with Receiver(mode="fail") as receiver:
        destination = make_destination(tenant, user, url=receiver.url)
        clock = FakeClock(utcnow() + timedelta(seconds=1))
        on_a = access_submission(tenant=tenant, submission_id=make_submission(tenant, site_id=site_a.id))
        on_b = access_submission(tenant=tenant, submission_id=make_submission(tenant, site_id=site_b.id))
        for submission in (on_a, on_b):
            assert _fail_completely(submission, destination, clock).status == "failed"
        fresh = access_destination(tenant=tenant, destination_id=destination.id)
        fresh = destination_update(tenant=tenant, actor=user.email, destination=fresh, version=None, name="A only",
                                   type="WEBHOOK", url=receiver.url, site_ids=[site_a.id])
        queued = deliveries_bulk_retry(tenant=tenant, actor=user.email, destination=fresh,
                                       since=clock.now - timedelta(days=1), until=clock.now + timedelta(minutes=1),
                                       now=clock.now)
        assert queued == 1
        assert _row(on_a, destination).status == "pending" and _row(on_b, destination).status == "failed"


def test_the_destination_form_offers_sites_and_the_forms_seen_on_them(agency):
    tenant, user, site_a, site_b = agency
    make_submission(tenant, site_id=site_a.id, form_id="contact")
    make_submission(tenant, site_id=site_b.id, form_id="quote")
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    page = client.get("/destinations/new/").content.decode()
    assert "a.example" in page and "b.example" in page
    assert "contact (on a.example)" in page and "quote (on b.example)" in page
    response = client.post("/destinations/new/", {"name": "A quotes", "type": "WEBHOOK",
                                                  "url": "https://crm.example.com/a", "site_ids": [site_a.id],
                                                  "form_ids": ["quote"]})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "a.example" in detail and "b.example" not in detail.split("routing-sites")[1][:200]
    refused = client.post("/destinations/new/", {"name": "Free text", "type": "WEBHOOK",
                                                 "url": "https://crm.example.com/b", "form_ids": ["never-seen"]})
    assert refused.status_code == 200 and "not one of the available choices" in refused.content.decode()
