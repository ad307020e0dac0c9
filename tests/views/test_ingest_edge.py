"""Correctness at the ingest edge (issue 10): idempotency keys scoped to the API key with a
fingerprint, odd JSON answered 4xx, nothing after the durable write turns into a 5xx, chunked
bodies, and the API's answer while DynamoDB does not answer."""
import json

import pytest
from django.test import Client

from portal import dynamodb_local
from portal.dynamo import registry
from portal.dynamo.api_keys import ApiKey
from portal.selectors.access import access_submission
from portal.selectors.submissions import SubmissionFilters, submission_list
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_key, make_site

URL = "/api/v1/submissions"
BODY = {"form_id": "contact", "fields": {"name": "Ada"}}


def _post(raw_key, body, content_type="application/json", **headers):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
    return Client().post(URL, data=body, content_type=content_type, **headers)


def _stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100).items


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


@pytest.fixture
def keyed(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    return tenant, key, raw


def test_same_idempotency_key_with_another_body_is_422_and_stores_nothing_more(keyed):
    tenant, _, raw = keyed
    first = _post(raw, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 202
    other = _post(raw, {"form_id": "contact", "fields": {"name": "Grace"}}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert "key reused with another request" in _problem(other, 422)["detail"]
    assert [s.id for s in _stored(tenant)] == [first.json()["id"]]


def test_same_idempotency_key_and_same_body_replays_the_first_answer(keyed):
    tenant, _, raw = keyed
    first = _post(raw, BODY, HTTP_IDEMPOTENCY_KEY="k-2")
    # The same submission in another key order and encoding is the same request.
    again = _post(raw, '{"fields": {"name": "Ada"}, "form_id": "contact"}', HTTP_IDEMPOTENCY_KEY="k-2")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and len(_stored(tenant)) == 1


def test_idempotency_key_is_scoped_to_the_api_key_not_the_tenant(keyed):
    tenant, _, raw = keyed
    _, raw_other = make_key(tenant, make_site(tenant))
    first = _post(raw, BODY, HTTP_IDEMPOTENCY_KEY="shared")
    second = _post(raw_other, BODY, HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] != second.json()["id"] and len(_stored(tenant)) == 2


@pytest.mark.parametrize("body", [
    '{"form_id": "contact", "fields": {"n": "a"}, "x": ' + "9" * 5000 + "}",
    '{"form_id": "contact", "fields": {"n": "\\ud800"}}',
    '{"form_id": "\\udfff", "fields": {"n": "a"}}',
    '{"form_id": "contact", "fields": {"\\ud800": "a"}}',
    '{"form_id": "contact", "fields": {"n": "a"}, "meta": {"ip": "\\udc00x"}}',
])
def test_huge_integers_and_lone_surrogates_are_400_not_500(keyed, body):
    tenant, _, raw = keyed
    _problem(_post(raw, body), 400)
    assert _stored(tenant) == []


def test_a_failure_after_the_durable_write_still_answers_202(keyed, monkeypatch):
    tenant, _, raw = keyed

    def broken(*args, **kwargs):
        raise RuntimeError("lastUsedAt write failed")
    monkeypatch.setattr(ApiKey, "touch_last_used", classmethod(broken))
    response = Client(raise_request_exception=False).post(
        URL, data=json.dumps(BODY), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 202
    assert access_submission(tenant=tenant, submission_id=response.json()["id"]).fields == {"name": "Ada"}


def test_a_chunked_body_without_content_length_is_411_with_a_clear_detail(keyed):
    tenant, _, raw = keyed
    detail = _problem(_post(raw, BODY, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"), 411)["detail"]
    assert "Content-Length" in detail
    assert _stored(tenant) == []


@pytest.fixture
def unreachable(ddb):
    registry.configure(prefix="test-", host=f"http://127.0.0.1:{dynamodb_local.free_port()}", region="us-east-1",
                       connect_timeout=0.5, max_retry_attempts=0)
    yield
    registry.configure(prefix="test-", host=ddb, region="us-east-1")


def test_unreachable_dynamodb_gives_api_clients_a_503_problem_with_retry_after(unreachable, settings):
    settings.INGEST_UNAVAILABLE_RETRY_AFTER = 7
    client = Client(raise_request_exception=False)
    response = client.post(URL, data=json.dumps(BODY), content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer fbk_" + "x" * 43)
    assert "not answering" in _problem(response, 503)["detail"]
    assert response["Retry-After"] == "7"
    page = client.post("/login/", {"email": "a@b.example", "password": "x"})
    assert page.status_code == 503 and "temporarily unavailable" in page.content.decode()
    assert page["Content-Type"].startswith("text/")
