"""The OpenAPI document is the contract (issue 16): it is a valid OpenAPI 3.1 document, served
at /api/openapi.json with a readable reference page, and schemathesis runs every operation it
describes against the live app (gunicorn on DynamoDB Local) with a bounded number of generated
examples: no answer is a 5xx, and every answer has a documented status code, content type,
headers and body schema. API_CONTRACT_EXAMPLES (default 12) bounds the examples per operation."""
from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from portal.services.accounts.api_tokens import DESTINATIONS_READ, SUBMISSIONS_READ, SUBMISSIONS_WRITE, api_token_create
from portal.views.api.docs import DOCUMENT
from tests.factories.accounts import make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_site, make_submission
from tests.live_server import start_web, stop_web, web_env

EXAMPLES = int(os.environ.get("API_CONTRACT_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_the_document_is_valid_openapi_31_and_served_as_it_is(ddb):
    document = json.loads(DOCUMENT.read_text())
    validate(document)
    assert document["openapi"].startswith("3.1")
    served = Client().get("/api/openapi.json")
    assert served.status_code == 200 and served["Content-Type"] == "application/json"
    assert served.json() == document
    operations = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "delete")}
    assert {("POST", "/api/v1/submissions"), ("GET", "/api/v1/submissions"),
            ("GET", "/api/v1/submissions/{submission_id}"), ("DELETE", "/api/v1/submissions/{submission_id}"),
            ("POST", "/api/v1/submissions/{submission_id}/resend"), ("GET", "/api/v1/destinations"),
            ("POST", "/f/{site_id}/{form_id}")} <= operations


def test_the_reference_page_renders_every_operation_and_schema_without_script(ddb):
    document = json.loads(DOCUMENT.read_text())
    page = Client().get("/docs/api/")
    html = page.content.decode()
    assert page.status_code == 200 and "<script>" not in html
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "delete"):
                assert f'id="{operation["operationId"]}"' in html and f"{method.upper()} {path}" in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html


def test_the_reference_page_renders_markdown_as_html_with_working_anchors_and_the_signed_in_header(ddb):
    import re

    from tests.factories.accounts import PASSWORD, make_tenant

    html = Client().get("/docs/api/").content.decode()
    text = re.sub(r"<(code|pre)>.*?</\1>", "", html, flags=re.S)
    assert "<strong>Site keys</strong>" in html and "<code>fbk_...</code>" in html and "<li>" in html
    assert "**" not in text and "`" not in text
    ids = set(re.findall(r'id="([^"]+)"', html))
    anchors = set(re.findall(r'href="#([^"]+)"', html))
    assert anchors and anchors <= ids, f"dead anchors: {anchors - ids}"
    assert "Sign in" in html
    _, user = make_tenant(organization="Docs Reader Agency")
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    signed_in = client.get("/docs/api/").content.decode()
    assert "Sign out" in signed_in and user.email in signed_in and ">Sign in<" not in signed_in


@pytest.fixture(scope="module")
def contract_server(_integration_tables, tmp_path_factory):
    """A gunicorn of its own, with rate limits out of the way of a few hundred generated calls."""
    env = web_env(dynamodb_endpoint=_integration_tables, workdir=tmp_path_factory.mktemp("contract"),
                  extra={"INGEST_RATE_LIMIT": "100000", "API_RATE_LIMIT": "100000",
                         "INGEST_BROWSER_IP_LIMIT": "100000"})
    url, process = start_web(env, workers=2)
    yield url
    stop_web(process)


def test_every_operation_answers_as_documented_on_the_live_app(ddb, contract_server):
    tenant, owner = make_tenant()
    site = make_site(tenant, domain="contract.example")
    _key, site_key = make_key(tenant, site)
    _token, token = api_token_create(tenant=tenant, actor="tests", label="contract",
                                     scopes=[SUBMISSIONS_READ, SUBMISSIONS_WRITE, DESTINATIONS_READ])
    make_destination(tenant, owner, url="https://hooks.example.com/in")  # re-sends are queued, never sent here
    known = [make_submission(tenant, site_id=site.id, fields={"n": str(n)}) for n in range(3)]
    make_submission(tenant, spam=True)

    schema = schemathesis.openapi.from_url(f"{contract_server}/api/openapi.json")
    credentials = {"siteKey": {"Authorization": f"Bearer {site_key}"},
                   "apiToken": {"Authorization": f"Bearer {token}"}}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:
        security = operation.definition.raw.get("security") or [{}]
        headers = dict(next((credentials[name] for name in security[0]), {}))
        strategies = [operation.as_strategy()]
        if "{submission_id}" in operation.path:
            strategies += [operation.as_strategy(path_parameters={"submission_id": known_id}) for known_id in known]
        if "{site_id}" in operation.path:
            headers["Origin"] = "https://contract.example"
            strategies.append(operation.as_strategy(path_parameters={"site_id": site.id}))

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(strategies))
        def answers_as_documented(case):
            case.call_and_validate(base_url=contract_server, headers=headers, checks=CHECKS, timeout=30)

        answers_as_documented()
