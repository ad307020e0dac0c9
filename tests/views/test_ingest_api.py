"""POST /api/v1/submissions: the public contract of DESIGN section 6, every error of its table."""
import json

import pytest
from django.test import Client

from portal.dynamo.tenants import SUSPENDED
from portal.selectors.access import access_submission
from portal.selectors.submissions import SubmissionFilters, submission_list
from portal.services.sites.api_keys import api_key_revoke
from tests.factories.accounts import make_product, make_tenant
from tests.factories.ingest import make_key, make_submission

URL = "/api/v1/submissions"


def _post(raw_key, body, content_type="application/json", **headers):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if raw_key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
    return Client().post(URL, data=body, content_type=content_type, **headers)


def _stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100).items


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


@pytest.fixture
def keyed(ddb):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    return tenant, key, raw


def test_json_submission_is_stored_and_answered_202_with_its_id(keyed):
    tenant, key, raw = keyed
    response = _post(raw, {"form_id": "contact", "fields": {"name": "Ada", "topics": ["a", "b"]},
                           "meta": {"page_url": "https://site.example/contact", "ip": "203.0.113.9"}})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    stored = access_submission(tenant=tenant, submission_id=body["id"])
    assert stored.fields == {"name": "Ada", "topics": ["a", "b"]}
    assert stored.meta["page_url"] == "https://site.example/contact"
    assert stored.siteId == key.siteId and stored.formId == "contact" and not stored.spam


def test_urlencoded_and_multipart_bodies_are_accepted(keyed):
    tenant, _, raw = keyed
    encoded = _post(raw, "form_id=news&fields%5Bemail%5D=a%40b.example&tags%5B%5D=x&tags%5B%5D=y&meta%5Bip%5D=1.2.3.4",
                    content_type="application/x-www-form-urlencoded")
    assert encoded.status_code == 202
    stored = access_submission(tenant=tenant, submission_id=encoded.json()["id"])
    assert stored.fields == {"email": "a@b.example", "tags": ["x", "y"]} and stored.meta == {"ip": "1.2.3.4"}
    multipart = Client().post(URL, data={"form_id": "news", "email": "m@b.example"},
                              HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert multipart.status_code == 202
    assert access_submission(tenant=tenant, submission_id=multipart.json()["id"]).fields == {"email": "m@b.example"}


def test_missing_unknown_and_revoked_keys_get_the_identical_401(keyed):
    tenant, key, raw = keyed
    body = {"form_id": "contact", "fields": {"a": "b"}}
    missing = _post(None, body)
    unknown = _post("fbk_" + "x" * 43, body)
    api_key_revoke(tenant=tenant, actor="tests", key=key)
    revoked = _post(raw, body)
    assert missing.status_code == unknown.status_code == revoked.status_code == 401
    assert missing.content == unknown.content == revoked.content
    assert _problem(revoked, 401)["detail"]
    assert _stored(tenant) == []


def test_suspended_tenant_gets_403_and_nothing_is_stored(keyed):
    tenant, _, raw = keyed
    tenant.status = SUSPENDED
    tenant.save()
    _problem(_post(raw, {"form_id": "contact", "fields": {"a": "b"}}), 403)
    assert _stored(tenant) == []


def test_deleted_tenant_gets_403(keyed):
    tenant, _, raw = keyed
    tenant.active = False
    tenant.save()
    _problem(_post(raw, {"form_id": "contact", "fields": {"a": "b"}}), 403)


@pytest.mark.parametrize("body, content_type, status", [
    ('{"form_id": "contact", "fields": {', "application/json", 400),         # malformed JSON
    (b'{"form_id": "contact", "fields": {"a": "\xff\xfe"}}', "application/json", 400),  # invalid UTF-8
    (b"form_id=contact&a=%FF", "application/x-www-form-urlencoded", 400),  # invalid UTF-8 escape
    ("[" * 5000 + "]" * 5000, "application/json", 400),                      # nesting bomb
    ("", "application/json", 400),                                          # empty
    ("form_id=contact&a=b", "text/plain", 415),
    ('{"form_id": "c", "fields": {"a": "b"}}', "application/xml", 415),
    ('{"form_id": "c", "fields": {"a": "b"}}', "application/json; charset=latin-1", 415),
    ("[1, 2]", "application/json", 422),                                    # not an object
    ('{"fields": {"a": "b"}}', "application/json", 422),                    # no form_id
    ('{"form_id": 7, "fields": {"a": "b"}}', "application/json", 422),      # form_id not a string
    ('{"form_id": "has space", "fields": {"a": "b"}}', "application/json", 422),
    ('{"form_id": "c", "fields": ["a"]}', "application/json", 422),         # fields not an object
    ('{"form_id": "c", "fields": {}}', "application/json", 422),            # no fields
    ('{"form_id": "c", "fields": {"age": 42}}', "application/json", 422),   # number value
    ('{"form_id": "c", "fields": {"ok": true}}', "application/json", 422),  # boolean value
    ('{"form_id": "c", "fields": {"x": null}}', "application/json", 422),
    ('{"form_id": "c", "fields": {"x": {"y": "z"}}}', "application/json", 422),
    ('{"form_id": "c", "fields": {"x": ["a", 1]}}', "application/json", 422),
    ('{"form_id": "c", "fields": {"a": "b"}, "meta": "x"}', "application/json", 422),
    ('{"form_id": "c", "fields": {"a": "b"}, "meta": {"ip": 1}}', "application/json", 422),
])
def test_bad_bodies_get_their_problem_and_store_nothing(keyed, body, content_type, status):
    tenant, _, raw = keyed
    _problem(_post(raw, body, content_type=content_type), status)
    assert _stored(tenant) == []


def test_field_limits_are_422(keyed):
    tenant, _, raw = keyed
    too_many = {f"f{i}": "v" for i in range(201)}
    long_name = {"n" * 101: "v"}
    _problem(_post(raw, {"form_id": "c", "fields": too_many}), 422)
    _problem(_post(raw, {"form_id": "c", "fields": long_name}), 422)
    assert _post(raw, {"form_id": "c", "fields": {f"f{i}": "v" for i in range(200)}}).status_code == 202
    assert _post(raw, {"form_id": "c", "fields": {"n" * 100: "v"}}).status_code == 202


def test_body_over_256_kb_is_413_by_declared_length_without_reading(keyed):
    tenant, _, raw = keyed

    class Exploding:
        def read(self, *args):
            raise AssertionError("the body must not be read")

        readline = read

    client = Client()
    request = client.request(**{
        "REQUEST_METHOD": "POST", "PATH_INFO": URL, "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(10 * 1024 * 1024), "HTTP_AUTHORIZATION": f"Bearer {raw}", "wsgi.input": Exploding(),
    })
    _problem(request, 413)


def test_body_just_over_the_limit_is_413_and_at_the_limit_is_accepted(keyed):
    tenant, _, raw = keyed
    base = json.dumps({"form_id": "c", "fields": {"m": ""}})
    at_limit = base.replace('"m": ""', '"m": "' + "x" * (256 * 1024 - len(base)) + '"')
    assert len(at_limit) == 256 * 1024
    assert _post(raw, at_limit).status_code == 202
    _problem(_post(raw, at_limit[:-2] + 'x"}}'), 413)


def test_same_idempotency_key_returns_the_original_id_and_stores_once(keyed):
    tenant, _, raw = keyed
    body = {"form_id": "contact", "fields": {"a": "b"}}
    first = _post(raw, body, HTTP_IDEMPOTENCY_KEY="order-1")
    second = _post(raw, body, HTTP_IDEMPOTENCY_KEY="order-1")
    other = _post(raw, body, HTTP_IDEMPOTENCY_KEY="order-2")
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert other.json()["id"] != first.json()["id"]
    assert len(_stored(tenant)) == 2


def test_an_idempotency_key_outside_visible_ascii_is_400_and_stores_nothing(keyed):
    """The document's pattern and the server agree: visible ASCII, spaces only inside."""
    tenant, _, raw = keyed
    body = {"form_id": "contact", "fields": {"a": "b"}}
    for key in ["caf\u00e9-1", "tab\there", "x" * 256]:
        _problem(_post(raw, body, HTTP_IDEMPOTENCY_KEY=key), 400)
    assert _stored(tenant) == []
    assert _post(raw, body, HTTP_IDEMPOTENCY_KEY="order 1").status_code == 202


def test_rate_limit_answers_429_with_retry_after(keyed, settings):
    settings.INGEST_RATE_LIMIT = 2
    settings.INGEST_RATE_WINDOW_SECONDS = 3600
    tenant, _, raw = keyed
    body = {"form_id": "contact", "fields": {"a": "b"}}
    assert [_post(raw, body).status_code for _ in range(2)] == [202, 202]
    limited = _post(raw, body)
    _problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert len(_stored(tenant)) == 2


def test_monthly_quota_answers_429_until_next_month_and_spam_does_not_count(ddb):
    tenant, _ = make_tenant(product=make_product(monthly_submissions=2))
    key, raw = make_key(tenant)
    make_submission(tenant, spam=True)
    make_submission(tenant, spam=True)
    body = {"form_id": "contact", "fields": {"a": "b"}}
    assert [_post(raw, body).status_code for _ in range(2)] == [202, 202]
    refused = _post(raw, body)
    assert _problem(refused, 429)["type"].endswith("monthly-quota-exceeded")
    assert 0 < int(refused["Retry-After"]) <= 31 * 24 * 3600
    assert len(_stored(tenant)) == 4


def test_get_is_not_allowed(keyed):
    # Issue 16 made GET /api/v1/submissions the read API (an API token's list); other methods stay refused.
    assert Client().put(URL).status_code == 405
