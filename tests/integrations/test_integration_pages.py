"""The portal's side of the integrations: pick one on "Add destination", fill in its own form
(credentials never shown again, field mapping offered from the fields seen), send a test that
shows the service's answer, see it in the list, the detail page and the API, and nothing of
it from another tenant."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from portal.crypto import field_decrypt
from portal.selectors.destinations import destination_list
from portal.services.accounts.api_tokens import DESTINATIONS_READ, api_token_create
from tests.factories.accounts import PASSWORD, make_tenant, stored_items
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_site, make_submission
from tests.integrations.conftest import chat_url


def _client(user) -> Client:
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_add_destination_offers_every_integration_and_each_has_its_own_form(ddb):
    tenant, user = make_tenant()
    client = _client(user)
    page = client.get("/destinations/new/").content.decode()
    for kind, label in (("SLACK", "Slack"), ("TEAMS", "Microsoft Teams"), ("DISCORD", "Discord"),
                        ("GOOGLE_CHAT", "Google Chat"), ("HUBSPOT", "HubSpot"), ("MAILCHIMP", "Mailchimp"),
                        ("SHEETS", "Google Sheets"), ("AIRTABLE", "Airtable")):
        assert f'href="/destinations/new/?type={kind}">{label}</a>' in page
        form = client.get(f"/destinations/new/?type={kind}").content.decode()
        assert f"Add a {label} destination" in form and 'id="setup-help"' in form
        assert 'name="url"' not in form and 'name="headers"' not in form  # the webhook's fields are not offered


def test_a_slack_destination_created_in_the_portal_sends_a_test_and_shows_slacks_answer(ddb, fakes):
    tenant, user = make_tenant()
    client = _client(user)
    url = chat_url(fakes, "SLACK")
    response = client.post("/destinations/new/?type=SLACK", {"name": "Team channel", "type": "SLACK",
                                                              "webhook_url": url})
    (created,) = destination_list(tenant_id=tenant.id)
    assert response.status_code == 302 and created.type == "SLACK" and created.rateLimit == 1.0
    assert url in field_decrypt(created.credentialsEncrypted) and url not in json.dumps(stored_items())
    detail = client.get(response["Location"]).content.decode()
    assert "127.0.0.1" in detail and url not in detail and "Reveal signing secret" not in detail
    tested = client.post(f"/destinations/{created.id}/test/", follow=True)
    assert "Test event delivered (HTTP 200" in _messages(tested) and "Slack answered: ok" in _messages(tested)
    assert fakes.problems == [] and "Test message from Form-Bridge" in fakes.of("slack")[0].body.decode()
    edit = client.get(f"/destinations/{created.id}/edit/").content.decode()
    assert url not in edit and "Leave empty to keep the one saved" in edit


def test_a_failed_test_shows_the_services_own_message(ddb, fakes):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, type="AIRTABLE", url=None, integration={
        "token": fakes.airtable_token, "base_id": "appABCDEFGHIJKLMN", "table": "Leads", "field_map": {"Phone no": "email"}})
    tested = _client(user).post(f"/destinations/{destination.id}/test/", follow=True)
    assert 'Test event failed: HTTP 422: Unknown field name: "Phone no"' in _messages(tested)


def test_hubspot_form_maps_fields_seen_on_the_forms_and_refuses_a_bad_line(ddb, fakes):
    tenant, user = make_tenant()
    site = make_site(tenant)
    make_submission(tenant, site_id=site.id, form_id="contact", fields={"work_email": "a@b.example", "org": "ACME"})
    client = _client(user)
    form = client.get("/destinations/new/?type=HUBSPOT").content.decode()
    assert "Fields seen on your forms: work_email, org" in form
    refused = client.post("/destinations/new/?type=HUBSPOT", {"name": "CRM", "type": "HUBSPOT", "token": fakes.hubspot_token,
                                                              "field_map": "email work_email"})
    assert refused.status_code == 200 and "needs an equals sign" in refused.content.decode()
    assert destination_list(tenant_id=tenant.id) == []
    created = client.post("/destinations/new/?type=HUBSPOT", {
        "name": "CRM", "type": "HUBSPOT", "token": fakes.hubspot_token, "log_note": "on",
        "field_map": "email = work_email\ncompany = org"})
    assert created.status_code == 302
    (destination,) = destination_list(tenant_id=tenant.id)
    assert destination.integration["fieldMap"] == {"email": "work_email", "company": "org"}
    assert destination.integration["logNote"] is True
    detail = client.get(created["Location"]).content.decode()
    assert "<code>work_email</code> → <code>email</code>" in detail and fakes.hubspot_token not in detail


def test_the_api_lists_an_integration_without_its_credentials(ddb, fakes):
    tenant, user = make_tenant()
    make_destination(tenant, user, name="Chat", type="DISCORD", url=None,
                     integration={"webhook_url": chat_url(fakes, "DISCORD")})
    raw = api_token_create(tenant=tenant, actor="tests", label="t", scopes=[DESTINATIONS_READ])[1]
    response = Client().get("/api/v1/destinations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    (item,) = response.json()["data"]
    assert item["type"] == "DISCORD" and item["url"] is None and item["target"] == "127.0.0.1"
    assert "tok-en_ABC" not in response.content.decode()


@pytest.mark.parametrize("path", ["/destinations/{id}/", "/destinations/{id}/edit/"])
def test_another_tenant_gets_404_for_an_integration(ddb, fakes, path):
    tenant, user = make_tenant()
    other, other_user = make_tenant()
    destination = make_destination(tenant, user, type="SLACK", url=None, integration={"webhook_url": chat_url(fakes, "SLACK")})
    assert _client(other_user).get(path.format(id=destination.id)).status_code == 404
    refused = _client(other_user).post(f"/destinations/{destination.id}/test/")
    assert refused.status_code == 404 and fakes.requests == []


def _form_values(fakes, kind: str) -> dict:
    return {
        "SLACK": {"webhook_url": chat_url(fakes, "SLACK")}, "TEAMS": {"webhook_url": chat_url(fakes, "TEAMS")},
        "DISCORD": {"webhook_url": chat_url(fakes, "DISCORD")},
        "GOOGLE_CHAT": {"webhook_url": chat_url(fakes, "GOOGLE_CHAT")},
        "HUBSPOT": {"token": fakes.hubspot_token, "log_note": "on"},
        "MAILCHIMP": {"api_key": fakes.mailchimp_key, "list_id": "a1b2c3d4e5", "double_opt_in": "on", "tags": "web"},
        "SHEETS": {"service_account": fakes.service_account(), "spreadsheet_id": "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
                   "sheet": "Leads"},
        "AIRTABLE": {"token": fakes.airtable_token, "base_id": "appABCDEFGHIJKLMN", "table": "Leads"},
    }[kind]


VENDOR_PATH = {"SLACK": "slack", "TEAMS": "teams", "DISCORD": "discord", "GOOGLE_CHAT": "gchat", "HUBSPOT": "hubspot",
               "MAILCHIMP": "mailchimp", "SHEETS": "sheets", "AIRTABLE": "airtable"}


@pytest.mark.parametrize("kind", list(VENDOR_PATH))
def test_each_kind_is_created_in_the_portal_tested_and_receives_an_ingested_submission(ddb, fakes, kind):
    from portal.delivery import worker
    from tests.factories.delivery import attempts_of, make_submission_with_deliveries

    tenant, user = make_tenant()
    client = _client(user)
    created = client.post(f"/destinations/new/?type={kind}", {"name": f"{kind} leads", "type": kind,
                                                               **_form_values(fakes, kind)})
    assert created.status_code == 302, created.content.decode()[:2000]
    (destination,) = destination_list(tenant_id=tenant.id)
    tested = client.post(f"/destinations/{destination.id}/test/", follow=True)
    assert "Test event delivered" in _messages(tested), _messages(tested)
    before = len(fakes.of(VENDOR_PATH[kind]))
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Grace Hopper", "email": "grace@example.com"})
    assert worker.run_once(worker_id="w-int") == 1
    assert len(fakes.of(VENDOR_PATH[kind])) > before and fakes.problems == []
    assert "Grace" in b"".join(r.body for r in fakes.of(VENDOR_PATH[kind])[before:]).decode()
    (attempt,) = attempts_of(submission)
    assert attempt.succeeded and attempt.channel == kind
