"""Destination and delivery pages: CRUD through the forms, plan limit, secret reveal, test
event, retry, and tenant isolation on every URL (another tenant's ids: 404, nothing changed)."""
import re

import pytest
from django.test import Client

from portal.delivery import worker
from portal.dynamo.deliveries import Delivery
from portal.dynamo.destinations import EMAIL, Destination
from portal.selectors.access import access_destination
from portal.selectors.destinations import destination_list
from portal.services.delivery_setup.destinations import destination_secret_reveal
from tests.factories.accounts import PASSWORD, make_product, make_tenant
from tests.factories.delivery import Receiver, make_destination, make_submission_with_deliveries
from tests.factories.ingest import make_site, make_submission


def _client(user) -> Client:
    client = Client()
    response = client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_create_a_webhook_destination_through_the_form(ddb):
    tenant, user = make_tenant()
    client = _client(user)
    # Forms are chosen among those seen on the tenant's sites (issue 15: choices, not free text).
    site = make_site(tenant)
    for form_id in ("contact", "quote"):
        make_submission(tenant, site_id=site.id, form_id=form_id)
    response = client.post("/destinations/new/", {
        "name": "CRM", "type": "WEBHOOK", "url": "https://crm.example.com/hook",
        "headers": "Authorization: Bearer abc\nX-Source: forms", "form_ids": ["contact", "quote"],
    })
    (created,) = destination_list(tenant_id=tenant.id)
    assert response.status_code == 302 and response["Location"] == f"/destinations/{created.id}/"
    assert created.headers == {"Authorization": "Bearer abc", "X-Source": "forms"}
    assert created.formIds == ["contact", "quote"]
    assert created.secretEncrypted and "whsec_" not in created.secretEncrypted
    page = client.get(response["Location"]).content.decode()
    assert "CRM" in page and "healthy" in page


@pytest.mark.parametrize("fields, error", [
    ({"url": "http://crm.example.com/hook"}, "must start with https://"),
    ({"url": "https://169.254.169.254/latest"}, "cloud metadata address"),
    ({"headers": "Host: evil.example"}, "cannot be changed"),
    ({"headers": "Content-Length: 5"}, "cannot be changed"),
    ({"headers": "webhook-signature: v1,abc"}, "cannot be changed"),
    ({"type": "EMAIL", "url": "", "recipients": "not-an-address"}, "not a valid e-mail address"),
    ({"type": "EMAIL", "url": "", "recipients": ""}, "at least one e-mail address"),
])
def test_bad_destinations_are_refused_with_a_clear_error_and_nothing_is_stored(ddb, fields, error):
    tenant, user = make_tenant()
    data = {"name": "Bad", "type": "WEBHOOK", "url": "https://ok.example.com/x", **fields}
    response = _client(user).post("/destinations/new/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert destination_list(tenant_id=tenant.id) == []


def test_the_plan_limit_refuses_one_more_destination(ddb):
    tenant, user = make_tenant(product=make_product(max_destinations=1))
    make_destination(tenant, user)
    client = _client(user)
    assert "Add destination</a>" not in client.get("/destinations/").content.decode()
    response = client.post("/destinations/new/", {"name": "Two", "type": "WEBHOOK", "url": "https://b.example.com/"})
    assert "Your plan allows 1 destination." in response.content.decode()
    assert len(destination_list(tenant_id=tenant.id)) == 1


def test_edit_disable_enable_and_delete(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user)
    client = _client(user)
    edit = client.post(f"/destinations/{destination.id}/edit/", {
        "name": "Renamed", "type": "EMAIL", "recipients": "a@agency.example, b@agency.example",
        "version": destination.version})
    assert edit.status_code == 302
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert stored.name == "Renamed" and stored.recipients == ["a@agency.example", "b@agency.example"]
    client.post(f"/destinations/{destination.id}/disable/")
    assert not access_destination(tenant=tenant, destination_id=destination.id).enabled
    client.post(f"/destinations/{destination.id}/enable/")
    assert access_destination(tenant=tenant, destination_id=destination.id).enabled
    deleted = client.post(f"/destinations/{destination.id}/delete/")
    assert deleted["Location"] == "/destinations/"
    assert destination_list(tenant_id=tenant.id) == []
    raw = Destination.in_tenant(tenant.id).get(Destination.partition_for(tenant.id),
                                Destination.sort_for(destination.id))
    assert raw.active is False  # soft delete: still stored
    assert client.get(f"/destinations/{destination.id}/").status_code == 404


def test_a_stale_edit_is_refused_with_reload_message(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user)
    client = _client(user)
    client.post(f"/destinations/{destination.id}/disable/")  # bumps the version
    response = client.post(f"/destinations/{destination.id}/edit/", {
        "name": "Mine", "type": "WEBHOOK", "url": "https://x.example.com/", "version": destination.version})
    assert "changed by someone else" in response.content.decode()
    assert access_destination(tenant=tenant, destination_id=destination.id).name == "Receiver"


def test_the_secret_is_revealed_only_by_post_and_rotation_shows_the_new_one(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user)
    client = _client(user)
    hidden = client.get(f"/destinations/{destination.id}/secret/")
    assert hidden.status_code == 200 and "whsec_" not in hidden.content.decode()
    shown = client.post(f"/destinations/{destination.id}/secret/", follow=True)
    assert shown.redirect_chain == [(f"/destinations/{destination.id}/secret/", 302)]
    secret = destination_secret_reveal(tenant=tenant, actor=user.email,
                                       destination=access_destination(tenant=tenant, destination_id=destination.id))
    assert secret in shown.content.decode() and "no-store" in shown["Cache-Control"]
    rotated = client.post(f"/destinations/{destination.id}/secret/rotate/", follow=True).content.decode()
    new = re.search(r"whsec_[A-Za-z0-9+/=]+", rotated).group(0)
    assert new != secret and "carries two signatures" in rotated
    # Post/Redirect/Get: a reload shows the same new secret; another session sees none.
    assert new in client.get(f"/destinations/{destination.id}/secret/").content.decode()
    assert client.get(f"/destinations/{destination.id}/secret/rotate/").status_code == 302
    assert "whsec_" not in _client(user).get(f"/destinations/{destination.id}/secret/").content.decode()


def test_send_test_event_delivers_and_shows_the_attempt(ddb):
    tenant, user = make_tenant()
    with Receiver() as receiver:
        destination = make_destination(tenant, user, url=receiver.url)
        destination_now = access_destination(tenant=tenant, destination_id=destination.id)
        receiver.secrets = [destination_secret_reveal(tenant=tenant, actor=user.email, destination=destination_now)]
        client = _client(user)
        response = client.post(f"/destinations/{destination.id}/test/", follow=True)
    assert "Test event delivered (HTTP 200" in _messages(response)
    assert receiver.received[0].verified and receiver.received[0].json["type"] == "test.ping"
    page = response.content.decode()
    assert "test event" in page and 'class="attempt attempt-ok"' in page


def test_an_email_test_event_and_email_attempts_read_as_accepted_e_mail_not_http(ddb, mailoutbox):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, name="Inbox", type=EMAIL, url=None, recipients=["in@agency.example"])
    client = _client(user)
    response = client.post(f"/destinations/{destination.id}/test/", follow=True)
    assert "Test event delivered (e-mail accepted," in _messages(response)
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    for page in (response.content.decode(), client.get(f"/submissions/{submission.id}/deliveries/").content.decode()):
        assert "<code>e-mail accepted</code>" in page and "250" not in page and "HTTP" not in page


def test_attempt_log_filters_by_outcome(ddb):
    tenant, user = make_tenant()
    with Receiver(mode="fail") as receiver:
        destination = make_destination(tenant, user, url=receiver.url)
        client = _client(user)
        client.post(f"/destinations/{destination.id}/test/")
        receiver.mode = "ok"
        client.post(f"/destinations/{destination.id}/test/")
    failed = client.get(f"/destinations/{destination.id}/?outcome=failed").content.decode()
    ok = client.get(f"/destinations/{destination.id}/?outcome=succeeded").content.decode()
    both = client.get(f"/destinations/{destination.id}/").content.decode()
    assert failed.count('class="attempt attempt-failed"') == 1 and 'attempt-ok"' not in failed
    assert ok.count('class="attempt attempt-ok"') == 1 and 'attempt-failed"' not in ok
    assert both.count('class="attempt attempt-') == 2
    assert client.get(f"/destinations/{destination.id}/?cursor=forged").status_code == 302


def test_submission_timeline_and_retry_now(ddb):
    tenant, user = make_tenant()
    with Receiver(mode="fail") as receiver:
        destination = make_destination(tenant, user, url=receiver.url, name="Hook")
        submission, _ = make_submission_with_deliveries(tenant)
        worker.run_once(worker_id="w")
        client = _client(user)
        page = client.get(f"/submissions/{submission.id}/deliveries/").content.decode()
        assert "Hook" in page and "HTTP 500" in page and "Next attempt" in page
        receiver.mode = "ok"
        response = client.post(f"/submissions/{submission.id}/deliveries/{destination.id}/retry/", follow=True)
    assert "Retry: delivered (attempt 2)" in _messages(response)
    assert response.content.decode().count('class="attempt attempt-') == 2
    delivery = Delivery.in_tenant(tenant.id).get(Delivery.partition_for(submission.id),
                                  Delivery.sort_for(destination.id))
    assert delivery.status == "delivered"


def test_resend_to_a_destination_added_after_the_submission(ddb):
    tenant, user = make_tenant()
    submission, rows = make_submission_with_deliveries(tenant)
    assert rows == []
    with Receiver() as receiver:
        destination = make_destination(tenant, user, url=receiver.url)
        response = _client(user).post(f"/submissions/{submission.id}/resend/", {"destination_id": destination.id},
                                      follow=True)
    assert "Re-send: delivered (attempt 1)" in _messages(response)
    assert len(receiver.received) == 1
    assert "manual" in response.content.decode()


def _snapshot(tenant_id):
    return sorted((d.id, d.name, d.enabled, d.active, d.version, d.secretEncrypted)
                  for d in Destination.in_tenant(tenant_id).query(Destination.partition_for(tenant_id)))


def test_another_tenants_ids_get_404_on_every_url_and_change_nothing(ddb):
    owner, owner_user = make_tenant()
    other, other_user = make_tenant()
    destination = make_destination(owner, owner_user)
    submission, _ = make_submission_with_deliveries(owner)
    before = _snapshot(owner.id)
    intruder = _client(other_user)
    d, s = destination.id, submission.id
    gets = [f"/destinations/{d}/", f"/destinations/{d}/edit/", f"/submissions/{s}/deliveries/"]
    posts = [
        (f"/destinations/{d}/edit/", {"name": "Hijacked", "type": "WEBHOOK", "url": "https://evil.example/",
                                      "version": destination.version}),
        (f"/destinations/{d}/enable/", {}), (f"/destinations/{d}/disable/", {}), (f"/destinations/{d}/delete/", {}),
        (f"/destinations/{d}/secret/", {}), (f"/destinations/{d}/secret/rotate/", {}), (f"/destinations/{d}/test/", {}),
        (f"/destinations/{d}/retry-failed/", {"since": "2026-01-01", "until": "2026-01-05"}),
        (f"/submissions/{s}/deliveries/{d}/retry/", {}),
        (f"/submissions/{s}/resend/", {"destination_id": d}),
    ]
    for url in gets:
        assert intruder.get(url).status_code == 404, url
    for url, data in posts:
        response = intruder.post(url, data)
        assert response.status_code == 404, url
        assert "whsec_" not in response.content.decode()
    assert _snapshot(owner.id) == before
    (row,) = Delivery.in_tenant(owner.id).query(Delivery.partition_for(s))
    assert row.attemptCount == 0 and row.status == "pending"


def test_pages_need_a_signed_in_tenant(ddb):
    response = Client().get("/destinations/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
