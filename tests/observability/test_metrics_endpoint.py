"""GET /metrics: off without a token, refused without the right one, and the ingest counts
and latency of requests made through the real ingest endpoints."""
from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import given, settings as hsettings, strategies as st

from portal.observability import exposition
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_key, make_site
from tests.observability.helpers import TOKEN, samples, value


def _scrape(token=TOKEN, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().get("/metrics", **headers)


@pytest.fixture
def metrics_on(settings, monkeypatch):
    settings.METRICS_TOKEN = TOKEN
    monkeypatch.setattr(exposition, "DUE_QUEUE", exposition.DueQueueCollector(cache_seconds=0))


def test_without_a_configured_token_the_endpoint_does_not_exist(settings):
    settings.METRICS_TOKEN = ""
    assert _scrape().status_code == 404
    assert _scrape(token="").status_code == 404


def test_a_missing_or_wrong_token_is_refused(metrics_on):
    for response in (_scrape(token=None), _scrape(token="wrong"), _scrape(token=TOKEN + "x"),
                     Client().get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"formbridge_" not in response.content


@hsettings(max_examples=60, deadline=None)
@given(header=st.text(max_size=80))
def test_no_authorization_header_but_the_token_opens_it(header):
    from django.test import override_settings

    with override_settings(METRICS_TOKEN=TOKEN):
        try:
            response = Client().get("/metrics", HTTP_AUTHORIZATION=header)
        except (ValueError, UnicodeError):
            return  # the test client itself refuses headers no HTTP server would pass on
    assert response.status_code == 401


def test_the_right_token_gets_the_exposition_with_every_metric(ddb, metrics_on):
    response = _scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    for name in ("formbridge_ingest_requests", "formbridge_ingest_duration_seconds", "formbridge_delivery_attempts",
                 "formbridge_delivery_duration_seconds", "formbridge_due_queue_depth",
                 "formbridge_due_queue_oldest_age_seconds", "formbridge_worker_passes",
                 "formbridge_dynamodb_requests", "formbridge_dynamodb_throttles"):
        assert f"# HELP {name}" in text
    assert value(samples(text), "formbridge_due_queue_depth") == 0


def test_ingest_requests_are_counted_by_endpoint_and_status_and_timed(ddb, metrics_on):
    tenant, _ = make_tenant()
    _, raw = make_key(tenant)
    site = make_site(tenant, domain="shop.example")
    before = samples(_scrape().content.decode())
    body = json.dumps({"form_id": "contact", "fields": {"email": "a@example.com"}})
    for _ in range(2):
        assert Client().post("/api/v1/submissions", data=body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 202
    assert Client().post("/api/v1/submissions", data=body, content_type="application/json").status_code == 401
    assert Client().post(f"/f/{site.id}/contact", data={"a": "b"}, HTTP_ORIGIN="https://shop.example").status_code == 200
    after = samples(_scrape().content.decode())

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("formbridge_ingest_requests_total", endpoint="api", status="202") == 2
    assert delta("formbridge_ingest_requests_total", endpoint="api", status="401") == 1
    assert delta("formbridge_ingest_requests_total", endpoint="form", status="200") == 1
    assert delta("formbridge_ingest_duration_seconds_count", endpoint="api") == 3
    assert delta("formbridge_ingest_duration_seconds_count", endpoint="form") == 1
    assert delta("formbridge_ingest_duration_seconds_sum", endpoint="api") > 0
    # The ingest wrote to DynamoDB: the models' calls were counted by the botocore hook.
    assert delta("formbridge_dynamodb_requests_total", operation="TransactWriteItems", outcome="ok") >= 2
    # Pages that are not ingest endpoints are not counted.
    assert Client().get("/pricing/").status_code == 200
    assert samples(_scrape().content.decode()).get(("formbridge_ingest_requests_total",
                                                   (("endpoint", "api"), ("status", "200")))) is None
