"""The read/action API (/api/v1/... with tenant API tokens) on DynamoDB Local: tokens shown
once and stored hashed, scopes, tenant isolation on every endpoint (another tenant's ids: 404,
nothing changed), pagination with a signed cursor, filters, re-send, spam, delete, the
destinations list, and the rate limit per token."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from portal.delivery import worker
from portal.dynamo.api_tokens import ApiToken
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.deliveries import submission_rows
from portal.selectors.access import access_submission
from portal.services.accounts.api_tokens import (DESTINATIONS_READ, SUBMISSIONS_READ, SUBMISSIONS_WRITE, api_token_create,
                                        api_token_revoke)
from portal.errors import NotFound
from portal.views.api.docs import DOCUMENT
from portal.views.api.params import CURSOR_MAX
from tests.factories.accounts import make_tenant, stored_items
from tests.factories.delivery import Receiver, make_destination, make_submission_with_deliveries
from tests.factories.ingest import make_key, make_site, make_submission

ALL = [SUBMISSIONS_READ, SUBMISSIONS_WRITE, DESTINATIONS_READ]


def _token(tenant, scopes=ALL):
    return api_token_create(tenant=tenant, actor="tests", label="t", scopes=scopes)[1]


def _call(method, path, raw=None, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    client = Client()
    if body is not None:
        return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", **headers, **extra)
    return getattr(client, method)(path, **headers, **extra)


def _problem(response, status, slug=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    if slug:
        assert body["type"].endswith(f"/api/problems/{slug}")
    return body


@pytest.fixture
def two_tenants(ddb):
    tenant_a, owner_a = make_tenant()
    tenant_b, owner_b = make_tenant()
    return (tenant_a, owner_a), (tenant_b, owner_b)


def test_a_token_is_shown_once_and_only_its_hash_is_stored(ddb):
    tenant, _ = make_tenant()
    token, raw = api_token_create(tenant=tenant, actor="tests", label="zapier", scopes=[SUBMISSIONS_READ])
    assert raw.startswith("fbt_") and len(raw) > 40
    assert raw not in json.dumps(stored_items())
    assert token.tokenHash == ApiToken.hash_token(raw) and raw.startswith(token.displayPrefix)


def test_listing_pages_through_every_submission_once_with_a_signed_cursor(two_tenants):
    (tenant, _), (other, _) = two_tenants
    ids = [make_submission(tenant, fields={"n": str(i)}) for i in range(5)]
    make_submission(other)
    raw = _token(tenant)
    seen, cursor, pages = [], None, 0
    while True:
        response = _call("get", "/api/v1/submissions?limit=2" + (f"&cursor={cursor}" if cursor else ""), raw)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        body = response.json()
        assert len(body["data"]) <= 2
        seen += [item["id"] for item in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True) and pages >= 3
    first = _call("get", "/api/v1/submissions?limit=2", raw).json()
    other_raw = _token(other)
    _problem(_call("get", f"/api/v1/submissions?limit=2&cursor={first['next_cursor']}", other_raw), 400,
             "invalid-cursor")
    _problem(_call("get", "/api/v1/submissions?limit=2&cursor=forged", raw), 400, "invalid-cursor")


def test_list_filters_by_site_form_spam_date_and_delivery_status(ddb):
    tenant, _ = make_tenant()
    site = make_site(tenant)
    in_site = make_submission(tenant, site_id=site.id, form_id="quote")
    plain = make_submission(tenant, form_id="contact")
    spam = make_submission(tenant, form_id="contact", spam=True)
    today = datetime.now(timezone.utc)
    old = make_submission(tenant, form_id="contact", now=today - timedelta(days=10))
    raw = _token(tenant)

    def ids(query):
        response = _call("get", f"/api/v1/submissions?{query}", raw)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["data"]}

    assert ids(f"site={site.id}") == {in_site}
    assert ids("form=quote") == {in_site}
    assert ids("form=contact") == {plain, old}
    assert ids("spam=true") == {spam}
    assert ids("spam=all") == {in_site, plain, spam, old}
    assert old not in ids(f"date_from={today.date().isoformat()}")
    assert ids(f"date_to={(today - timedelta(days=5)).date().isoformat()}") == {old}
    assert ids("delivery_status=no%20destination") == {in_site, plain, old}
    assert ids("delivery_status=failed") == set()


def test_bad_list_parameters_are_a_400_problem_naming_the_parameter(ddb):
    tenant, _ = make_tenant()
    raw = _token(tenant)
    for query in ["limit=0", "limit=101", "limit=x", "spam=maybe", "delivery_status=lost", "date_from=2030-02-30",
                  "date_from=1969-12-31", "date_from=2030-02-02&date_to=2030-02-01", "form=a%20b", "site=../x",
                  "limit=1&limit=2"]:
        body = _problem(_call("get", f"/api/v1/submissions?{query}", raw), 400, "invalid-parameter")
        assert query.split("=")[0] in body["detail"], query


def test_detail_shows_fields_meta_files_and_every_delivery_attempt(ddb):
    tenant, owner = make_tenant()
    with Receiver() as receiver:
        make_destination(tenant, owner, name="CRM", url=receiver.url)
        submission, _rows = make_submission_with_deliveries(tenant, fields={"name": "Ada"},
                                                            meta={"page_url": "https://s.example/c"})
        worker.run_once()
    body = _call("get", f"/api/v1/submissions/{submission.id}", _token(tenant)).json()
    assert body["fields"] == {"name": "Ada"} and body["meta"] == {"page_url": "https://s.example/c"}
    assert body["files"] == []
    (delivery,) = body["deliveries"]
    assert delivery["destination_name"] == "CRM" and delivery["status"] == "delivered"
    (attempt,) = delivery["attempts"]
    assert attempt["succeeded"] is True and attempt["status_code"] == 200 and attempt["trigger"] == "scheduled"


def test_resend_queues_a_delivered_submission_and_the_worker_sends_it_again(ddb):
    tenant, owner = make_tenant()
    with Receiver() as receiver:
        destination = make_destination(tenant, owner, url=receiver.url)
        submission, _ = make_submission_with_deliveries(tenant)
        worker.run_once()
        receiver.wait_for(1)
        response = _call("post", f"/api/v1/submissions/{submission.id}/resend", _token(tenant))
        assert response.status_code == 202 and response.json()["queued_destination_ids"] == [destination.id]
        assert worker.run_once() == 1
        receiver.wait_for(2)
        assert len(receiver.received) == 2
    detail = _call("get", f"/api/v1/submissions/{submission.id}", _token(tenant)).json()
    assert [a["trigger"] for a in detail["deliveries"][0]["attempts"]] == ["scheduled", "manual"]


def test_resend_refuses_spam_and_unknown_destinations(ddb):
    tenant, owner = make_tenant()
    make_destination(tenant, owner)
    raw = _token(tenant)
    spam = make_submission(tenant, spam=True)
    _problem(_call("post", f"/api/v1/submissions/{spam}/resend", raw), 409, "action-refused")
    plain = make_submission(tenant)
    _problem(_call("post", f"/api/v1/submissions/{plain}/resend", raw, {"destination_ids": ["nope"]}), 404)
    _problem(_call("post", f"/api/v1/submissions/{plain}/resend", raw, {"destination_ids": "x"}), 400)


def test_spam_and_delete_change_the_submission(ddb):
    tenant, _ = make_tenant()
    raw = _token(tenant)
    submission_id = make_submission(tenant)
    flipped = _call("post", f"/api/v1/submissions/{submission_id}/spam", raw, {"spam": True})
    assert flipped.status_code == 200 and flipped.json()["spam"] is True
    assert access_submission(tenant=tenant, submission_id=submission_id).spam
    _problem(_call("post", f"/api/v1/submissions/{submission_id}/spam", raw, {"spam": "yes"}), 400)
    assert _call("delete", f"/api/v1/submissions/{submission_id}", raw).status_code == 204
    with pytest.raises(NotFound):
        access_submission(tenant=tenant, submission_id=submission_id)
    _problem(_call("delete", f"/api/v1/submissions/{submission_id}", raw), 404, "resource-not-found")


def test_destinations_list_health_and_never_a_secret(two_tenants):
    (tenant, owner), (other, other_owner) = two_tenants
    mine = make_destination(tenant, owner, name="Mine")
    make_destination(other, other_owner, name="Theirs")
    response = _call("get", "/api/v1/destinations", _token(tenant))
    (item,) = response.json()["data"]
    assert item["id"] == mine.id and item["name"] == "Mine" and item["health"]["circuit"] == "closed"
    assert "secret" not in response.content.decode().lower() and "whsec_" not in response.content.decode()


def _every_operation(submission_id):
    return [("get", "/api/v1/submissions", None, SUBMISSIONS_READ),
            ("get", f"/api/v1/submissions/{submission_id}", None, SUBMISSIONS_READ),
            ("post", f"/api/v1/submissions/{submission_id}/resend", {}, SUBMISSIONS_WRITE),
            ("post", f"/api/v1/submissions/{submission_id}/spam", {"spam": True}, SUBMISSIONS_WRITE),
            ("delete", f"/api/v1/submissions/{submission_id}", None, SUBMISSIONS_WRITE),
            ("get", "/api/v1/destinations", None, DESTINATIONS_READ)]


def test_another_tenants_ids_are_404_on_every_endpoint_and_change_nothing(two_tenants):
    (tenant, owner), (other, _) = two_tenants
    make_destination(tenant, owner)
    submission_id = make_submission(tenant)
    intruder = _token(other)
    before = stored_items()
    for method, path, body, _scope in _every_operation(submission_id):
        response = _call(method, path, intruder, body)
        if "{" in path or submission_id in path:
            _problem(response, 404, "resource-not-found")
        else:  # the lists answer the intruder's own (empty) account
            assert response.status_code == 200 and response.json()["data"] == []
    after = stored_items()
    after.pop("audit"), before.pop("audit")
    after.pop("api_tokens"), before.pop("api_tokens")  # lastUsedAt of the intruder's token
    assert after == before
    assert access_submission(tenant=tenant, submission_id=submission_id)


def test_every_endpoint_refuses_a_token_without_its_scope_and_changes_nothing(ddb):
    tenant, owner = make_tenant()
    make_destination(tenant, owner)
    submission_id = make_submission(tenant)
    for method, path, body, scope in _every_operation(submission_id):
        others = [s for s in ALL if s != scope]
        before = {k: v for k, v in stored_items().items() if k not in ("audit", "api_tokens")}
        body_answer = _problem(_call(method, path, _token(tenant, others), body), 403, "insufficient-scope")
        assert scope in body_answer["detail"]
        assert {k: v for k, v in stored_items().items() if k not in ("audit", "api_tokens")} == before


def test_missing_unknown_revoked_tokens_and_site_keys_are_the_same_401(ddb):
    tenant, _ = make_tenant()
    token, raw = api_token_create(tenant=tenant, actor="tests", label="", scopes=ALL)
    _key, site_key = make_key(tenant)
    assert _call("get", "/api/v1/submissions", raw).status_code == 200
    api_token_revoke(tenant=tenant, actor="tests", token=token)
    answers = [_problem(_call("get", "/api/v1/submissions", credential), 401, "invalid-api-token")
               for credential in (None, "fbt_unknown", raw, site_key)]
    assert len({a["detail"] for a in answers}) == 1
    # and a token never sends submissions
    sent = _call("post", "/api/v1/submissions", _token(tenant), {"form_id": "c", "fields": {"a": "b"}})
    _problem(sent, 401, "invalid-api-key")


def test_the_api_is_rate_limited_per_token(ddb, settings):
    settings.API_RATE_LIMIT = 3
    tenant, _ = make_tenant()
    raw, fresh = _token(tenant), _token(tenant)
    for _ in range(3):
        assert _call("get", "/api/v1/destinations", raw).status_code == 200
    refused = _call("get", "/api/v1/destinations", raw)
    _problem(refused, 429, "rate-limited")
    assert int(refused["Retry-After"]) >= 1
    assert _call("get", "/api/v1/destinations", fresh).status_code == 200  # per token, not per tenant


def test_a_suspended_account_reads_but_cannot_act(ddb):
    from portal.dynamo.tenants import SUSPENDED
    from portal.selectors.access import access_tenant
    from portal.services.billing.tenants import tenant_status_change

    tenant, _ = make_tenant()
    raw = _token(tenant)
    submission_id = make_submission(tenant)
    tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="staff", version=None, to_status=SUSPENDED,
                         reason="unpaid")
    assert _call("get", f"/api/v1/submissions/{submission_id}", raw).status_code == 200
    _problem(_call("delete", f"/api/v1/submissions/{submission_id}", raw), 403, "account-read-only")
    assert access_submission(tenant=tenant, submission_id=submission_id)


def test_the_detail_lists_files_with_signed_links_that_download_them(ddb, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    tenant, _ = make_tenant()
    _key, site_key = make_key(tenant, make_site(tenant))
    pdf = b"%PDF-1.4\n" + b"x" * 300
    posted = Client().post("/api/v1/submissions", {"form_id": "apply", "fields[name]": "Ada",
                                                   "cv": SimpleUploadedFile("Ada CV.pdf", pdf)},
                           HTTP_AUTHORIZATION=f"Bearer {site_key}")
    assert posted.status_code == 202, posted.content
    detail = _call("get", f"/api/v1/submissions/{posted.json()['id']}", _token(tenant)).json()
    [described] = detail["files"]
    assert (described["field"], described["name"], described["size"]) == ("cv", "Ada CV.pdf", len(pdf))
    path = described["url"].split("://", 1)[1].split("/", 1)[1]
    assert b"".join(Client().get("/" + path).streaming_content) == pdf


def test_resend_follows_the_destinations_site_routing(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="a.example"), make_site(tenant, domain="b.example")
    only_a = make_destination(tenant, owner, name="A's CRM", site_ids=[site_a.id])
    everywhere = make_destination(tenant, owner, name="Archive")
    of_b = make_submission(tenant, site_id=site_b.id)
    token = _token(tenant)
    queued = _call("post", f"/api/v1/submissions/{of_b}/resend", token)
    assert queued.status_code == 202 and queued.json()["queued_destination_ids"] == [everywhere.id]
    refused = _call("post", f"/api/v1/submissions/{of_b}/resend", token, body={"destination_ids": [only_a.id]})
    assert refused.status_code == 409
    rows, _attempts = submission_rows(tenant.id, of_b)
    assert {row.destinationId for row in rows} == {everywhere.id}


def test_the_server_refuses_what_the_document_does_not_allow(ddb):
    """Where the OpenAPI document and the server used to disagree, the document's word holds:
    an empty filter is not "every site", an explicit null is not "every destination", a cursor
    is at most 1,024 characters of the signed alphabet, and the date minimum is stated."""
    tenant, owner = make_tenant()
    site = make_site(tenant, domain="empty-filter.example")
    make_submission(tenant, site_id=site.id)
    make_submission(tenant)
    raw = _token(tenant)
    for query in ["site=", "form=", "date_from=", "date_to=", "spam=", "delivery_status=", "limit=", "cursor="]:
        body = _problem(_call("get", f"/api/v1/submissions?{query}", raw), 400, "invalid-parameter")
        assert body["detail"].startswith(query[:-1] + ":"), query
    for cursor in ["A" * 1025, "ab%2Fcd", "caf%C3%A9"]:
        _problem(_call("get", f"/api/v1/submissions?cursor={cursor}", raw), 400, "invalid-parameter")
    _problem(_call("get", "/api/v1/submissions?cursor=" + "A" * 1024, raw), 400, "invalid-cursor")  # well-formed, unsigned

    make_destination(tenant, owner)
    plain = make_submission(tenant)
    rows = lambda: [row.serialize() for row in submission_rows(tenant.id, plain, consistent=True)[0]]  # noqa: E731
    before = rows()
    assert before
    _problem(_call("post", f"/api/v1/submissions/{plain}/resend", raw, {"destination_ids": None}), 400,
             "invalid-parameter")
    assert rows() == before  # nothing queued

    document = json.loads(DOCUMENT.read_text())
    listing = {p["name"]: p for p in document["paths"]["/api/v1/submissions"]["get"]["parameters"]}
    assert listing["cursor"]["schema"]["maxLength"] == CURSOR_MAX == 1024
    for name in ("date_from", "date_to"):
        assert "1970-01-01 or later" in listing[name]["description"]
        assert re.fullmatch(listing[name]["schema"]["pattern"], "1970-01-01")
        assert not re.fullmatch(listing[name]["schema"]["pattern"], "1969-12-31")
        assert not re.fullmatch(listing[name]["schema"]["pattern"], "0016-08-29")
    form = document["components"]["schemas"]["IngestForm"]
    assert form["minProperties"] == 2 and "form_id" in form["required"]
    site_key = make_key(tenant, site)[1]
    refused = Client().post("/api/v1/submissions", {"form_id": "contact"}, HTTP_AUTHORIZATION=f"Bearer {site_key}")
    assert refused.status_code == 422  # form_id alone: what minProperties 2 says
