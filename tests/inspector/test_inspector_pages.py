"""The development webhook inspector end to end on DynamoDB Local: a real delivery from the
worker over HTTP (Django's live server) arrives and verifies; a tampered body does not; DEBUG
off is a 404 everywhere; another tenant gets the same 404 and never sees the requests."""
import json
import time
from datetime import datetime, timezone

from django.test import Client
from standardwebhooks import Webhook

from portal.delivery import worker
from portal.dynamo.deliveries import submission_rows
from portal.dynamo.delivery_status import DeliveryStatus
from portal.selectors.access import access_destination
from portal.selectors.inspector import inspector_requests
from portal.services.delivery_setup.destinations import destination_secret_reveal
from portal.services.delivery_setup.inspector import inspector_destination_ensure, inspector_token, inspector_url
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination, make_submission_with_deliveries


def _client(user) -> Client:
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _secret(tenant, user, destination) -> str:
    return destination_secret_reveal(tenant=tenant, actor=user.email,
                                     destination=access_destination(tenant=tenant, destination_id=destination.id))


def _signed(secret: str, body: bytes) -> dict:
    msg_id, now = "msg_test_1", int(time.time())
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(now, tz=timezone.utc), body.decode())
    return {"HTTP_WEBHOOK_ID": msg_id, "HTTP_WEBHOOK_TIMESTAMP": str(now), "HTTP_WEBHOOK_SIGNATURE": signature}


def test_a_worker_delivery_arrives_and_shows_signature_valid(ddb, live_server, settings):
    settings.SITE_URL = live_server.url  # the demo destination posts to this web process
    tenant, user = make_tenant()
    destination, created = inspector_destination_ensure(tenant=tenant, actor=user.email)
    assert created and destination.url.startswith(live_server.url + "/dev/inspector/")
    submission, rows = make_submission_with_deliveries(tenant, fields={"name": "Ada", "email": "ada@example.com"})
    assert [r.destinationId for r in rows] == [destination.id]  # ingest planned the delivery

    assert worker.run_once() == 1

    (row,) = submission_rows(tenant.id, submission.id)[0]
    assert row.status == DeliveryStatus.DELIVERED
    (received,) = inspector_requests(tenant_id=tenant.id)
    assert received.signature == "valid" and received.destinationId == destination.id
    assert json.loads(received.body)["data"]["fields"]["name"] == "Ada"
    # An independent Standard Webhooks implementation agrees with what was kept.
    Webhook(_secret(tenant, user, destination)).verify(received.body, received.headers)
    page = _client(user).get("/dev/inspector/").content.decode()
    assert "signature valid" in page and "signature invalid" not in page and "Ada" in page


def test_a_tampered_body_shows_signature_invalid(ddb):
    tenant, user = make_tenant()
    destination, _ = inspector_destination_ensure(tenant=tenant, actor=user.email)
    secret = _secret(tenant, user, destination)
    path = f"/dev/inspector/{inspector_token(tenant_id=tenant.id)}/"
    body = b'{"type":"submission.created","data":{"fields":{"amount":"10"}}}'
    good = Client().post(path, body, content_type="application/json", **_signed(secret, body))
    tampered = Client().post(path, body.replace(b"10", b"99"), content_type="application/json",
                             **_signed(secret, body))
    assert good.status_code == 200 and good.json()["signature"] == "valid"
    assert tampered.status_code == 401 and tampered.json()["signature"] == "invalid"
    newest, oldest = inspector_requests(tenant_id=tenant.id)
    assert (newest.signature, oldest.signature) == ("invalid", "valid")
    page = _client(user).get("/dev/inspector/").content.decode()
    assert "signature invalid" in page and "signature valid" in page and "99" in page


def test_unsigned_and_made_up_tokens(ddb):
    tenant, user = make_tenant()
    token = inspector_token(tenant_id=tenant.id)
    unsigned = Client().post(f"/dev/inspector/{token}/", b"{}", content_type="application/json")
    assert unsigned.status_code == 401 and "missing webhook-id" in unsigned.json()["detail"]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert Client().post(f"/dev/inspector/{forged}/", b"{}", content_type="application/json").status_code == 404
    assert Client().post("/dev/inspector/nothing/", b"{}", content_type="application/json").status_code == 404
    assert len(inspector_requests(tenant_id=tenant.id)) == 1


def test_debug_off_is_a_404_everywhere(ddb, settings):
    tenant, user = make_tenant()
    client = _client(user)
    path = f"/dev/inspector/{inspector_token(tenant_id=tenant.id)}/"
    settings.DEBUG = False
    assert Client().post(path, b"{}", content_type="application/json").status_code == 404
    assert client.get(path).status_code == 404
    assert client.get("/dev/inspector/").status_code == 404
    assert Client().get("/dev/inspector/").status_code == 404  # not even a login redirect
    assert inspector_requests(tenant_id=tenant.id) == []
    assert "inspector" not in client.get("/").content.decode()


def test_another_tenant_gets_404_and_never_sees_the_requests(ddb):
    tenant_a, user_a = make_tenant()
    tenant_b, user_b = make_tenant()
    path_a = f"/dev/inspector/{inspector_token(tenant_id=tenant_a.id)}/"
    Client().post(path_a, b'{"secret":"of-tenant-a"}', content_type="application/json")
    client_b = _client(user_b)
    assert client_b.get(path_a).status_code == 404
    page_b = client_b.get("/dev/inspector/").content.decode()
    assert "of-tenant-a" not in page_b and "Nothing received yet" in page_b
    assert inspector_requests(tenant_id=tenant_b.id) == []
    client_a = _client(user_a)
    assert client_a.get(path_a)["Location"] == "/dev/inspector/"  # the owner opening the URL
    assert "of-tenant-a" in client_a.get("/dev/inspector/").content.decode()
    assert Client().get(path_a).status_code == 302  # signed out: the login page first


def test_destination_page_and_dashboard_link_to_the_inspector(ddb):
    tenant, user = make_tenant()
    demo, _ = inspector_destination_ensure(tenant=tenant, actor=user.email)
    other = make_destination(tenant, user)
    client = _client(user)
    assert 'id="inspector-link"' in client.get(f"/destinations/{demo.id}/").content.decode()
    assert 'id="inspector-link"' not in client.get(f"/destinations/{other.id}/").content.decode()
    dashboard = client.get("/").content.decode()
    assert 'href="/dev/inspector/"' in dashboard and 'id="inspector-first-run"' in dashboard


def test_inspector_destination_is_created_once(ddb):
    tenant, user = make_tenant()
    first, created = inspector_destination_ensure(tenant=tenant, actor=user.email)
    again, created_again = inspector_destination_ensure(tenant=tenant, actor=user.email)
    assert created and not created_again and again.id == first.id
    assert first.url == inspector_url(tenant_id=tenant.id)
