"""The OpenAPI document is the contract (issue 16): it is a valid OpenAPI 3.1 document, served
at /api/openapi.json with a readable reference page, and schemathesis runs every operation it
describes against the live app (gunicorn on DynamoDB Local) with a bounded number of generated
examples: no answer is a 5xx, and every answer has a documented status code, content type,
headers and body schema. API_CONTRACT_EXAMPLES (default 12) bounds the examples per operation."""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from portal.services.accounts.api_tokens import DESTINATIONS_READ, SUBMISSIONS_READ, SUBMISSIONS_WRITE, api_token_create
from portal.views.api.docs import DOCUMENT
from portal.views.api.params import DELIVERY_STATUSES
from tests.factories.accounts import make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_site, make_submission
from tests.live_server import start_web, stop_web, web_env

EXAMPLES = int(os.environ.get("API_CONTRACT_EXAMPLES", "12"))
CLI_EXAMPLES = int(os.environ.get("API_CONTRACT_CLI_EXAMPLES", "10"))
ROOT = Path(__file__).resolve().parents[2]
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
                  for method in item if method in ("get", "post", "patch", "delete")}
    assert {("POST", "/api/v1/submissions"), ("GET", "/api/v1/submissions"),
            ("GET", "/api/v1/submissions/{submission_id}"), ("DELETE", "/api/v1/submissions/{submission_id}"),
            ("POST", "/api/v1/submissions/{submission_id}/resend"), ("GET", "/api/v1/destinations"),
            ("POST", "/f/{site_id}/{form_id}"), ("PATCH", "/api/v1/submissions/{submission_id}"),
            ("GET", "/api/v1/submissions/{submission_id}/notes"),
            ("POST", "/api/v1/submissions/{submission_id}/notes")} <= operations


def test_the_reference_page_renders_every_operation_and_schema_without_script(ddb):
    document = json.loads(DOCUMENT.read_text())
    page = Client().get("/docs/api/")
    html = page.content.decode()
    assert page.status_code == 200 and "<script>" not in html
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "delete"):
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
    assert len(operations) == 12
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


def _cli_config(path, *, site_key: str, token: str, site_id: str, known_id: str) -> None:
    """schemathesis.toml for the CLI run: the two security schemes' credentials, the browser
    form's site and origin, a known submission for the operations that need one, and the hooks
    module (fresh Idempotency-Keys). One relaxation, for listing only: a schema-valid query may
    be refused with 400 there, because two rules no JSON Schema states decide it (a cursor is a
    signed token, and date_from may not be after date_to); both are stated in words and have
    tests of their own (test_api_v1.py, test_api_params.py)."""
    path.write_text(f'''
workers = 1
hooks = "tests.api.schemathesis_hooks"
[generation]
max-examples = {CLI_EXAMPLES}
deterministic = true
database = "none"
[checks.negative_data_rejection]
# Also refusals: 411 (a body without Content-Length) and 413 (over the size limit), both documented.
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 411, 413, 415, 422, 428, 429, "5xx"]
[auth.openapi.siteKey]
bearer = "{site_key}"
[auth.openapi.apiToken]
bearer = "{token}"
[[operations]]
include-operation-id = "postBrowserForm"
headers = {{ Origin = "https://contract.example" }}
parameters = {{ "path.site_id" = "{site_id}" }}
[[operations]]
include-path-regex = "^/api/v1/submissions/[{{]submission_id[}}]"
parameters = {{ "path.submission_id" = "{known_id}" }}
[[operations]]
include-operation-id = "listSubmissions"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 429]
[[operations]]
include-operation-id = "updateLead"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409, 429]
''')


def test_the_schemathesis_cli_with_every_check_and_the_stateful_phase_finds_nothing(ddb, contract_server, tmp_path):
    """What an outsider runs: `st run --checks all` over every phase (examples, coverage,
    fuzzing, stateful), so schema-violating requests must be refused, schema-valid ones
    accepted, and the links between operations followed. API_CONTRACT_CLI_EXAMPLES (default
    10) bounds the examples per operation and phase."""
    tenant, owner = make_tenant()
    site = make_site(tenant, domain="contract.example")
    _key, site_key = make_key(tenant, site)
    _token, token = api_token_create(tenant=tenant, actor="tests", label="cli",
                                     scopes=[SUBMISSIONS_READ, SUBMISSIONS_WRITE, DESTINATIONS_READ])
    make_destination(tenant, owner, url="https://hooks.example.com/in")
    known = make_submission(tenant, site_id=site.id, fields={"n": "1"})
    config = tmp_path / "schemathesis.toml"
    _cli_config(config, site_key=site_key, token=token, site_id=site.id, known_id=known)
    run = subprocess.run(
        [str(Path(sys.executable).with_name("st")), "--config-file", str(config), "run",
         f"{contract_server}/api/openapi.json", "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
         "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=1500, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    output = run.stdout + run.stderr
    failures = output[output.find("FAILURES"):] if "FAILURES" in output else output
    assert run.returncode == 0, failures[:15000]
    summary = output[output.rfind("Test Phases"):]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    assert " passed" in summary and "generated" in summary


def test_the_longest_documented_request_line_fits_the_web_servers_limit(contract_server):
    """gunicorn refuses request lines over 4,094 bytes (414) before the app sees them: every
    query parameter at its documented longest, with the characters a client must escape, fits."""
    document = json.loads(DOCUMENT.read_text())
    operation = document["paths"]["/api/v1/submissions"]["get"]
    longest = {"site": "A" * 64, "form": ":" * 100, "date_from": "1970-01-01", "date_to": "9999-12-31",
               "spam": "false", "delivery_status": max(DELIVERY_STATUSES, key=len), "limit": "100",
               "cursor": ":" * 1024, "state": "REPLIED", "assignee": "+" * 64 + "@" + "a" * 185 + ".com",
               "starred": "false", "archived": "false"}
    for parameter in operation["parameters"]:
        schema = parameter["schema"]
        if "maxLength" in schema:
            assert len(longest[parameter["name"]]) == schema["maxLength"], parameter["name"]
        if "pattern" in schema:
            assert re.fullmatch(schema["pattern"].strip("^$"), longest[parameter["name"]]), parameter["name"]
    assert {p["name"] for p in operation["parameters"]} == set(longest)
    target = "/api/v1/submissions?" + urlencode(longest)
    assert len(f"GET {target} HTTP/1.1") < 4094
    connection = http.client.HTTPConnection(urlsplit(contract_server).netloc, timeout=30)
    connection.request("GET", target)  # no token: answered by the app (401), not by gunicorn (414)
    answer = connection.getresponse()
    assert answer.status == 401 and answer.getheader("Content-Type") == "application/problem+json"
