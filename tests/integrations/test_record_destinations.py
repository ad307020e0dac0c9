"""HubSpot, Mailchimp, Google Sheets and Airtable destinations end to end: created through the
service (credentials encrypted), a submission stored by the real ingest service, sent by the
real worker to each vendor's local fake, which checks every request against the documented
API and answers like the vendor, errors and rate limits included."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from portal.crypto import field_decrypt
from portal.delivery.attempt import send_test_event
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import InvalidDestination
from tests.factories.accounts import make_tenant
from tests.factories.delivery import (
    T0, FakeClock, attempts_of, delivery_row, make_destination, make_submission_with_deliveries, run_at,
)

SPREADSHEET = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


def _hubspot(tenant, user, fakes, **integration):
    return make_destination(tenant, user, name="HubSpot", type="HUBSPOT", url=None,
                            integration={"token": fakes.hubspot_token, **integration})


def _mailchimp(tenant, user, fakes, **integration):
    return make_destination(tenant, user, name="Newsletter", type="MAILCHIMP", url=None,
                            integration={"api_key": fakes.mailchimp_key, "list_id": "a1b2c3d4e5", **integration})


def _sheets(tenant, user, fakes, **integration):
    return make_destination(tenant, user, name="Leads sheet", type="SHEETS", url=None, integration={
        "service_account": fakes.service_account(),
        "spreadsheet_id": f"https://docs.google.com/spreadsheets/d/{SPREADSHEET}/edit#gid=0", "sheet": "Leads", **integration})


def _airtable(tenant, user, fakes, **integration):
    return make_destination(tenant, user, name="Airtable", type="AIRTABLE", url=None, integration={
        "token": fakes.airtable_token, "base_id": "appABCDEFGHIJKLMN", "table": "Leads table", **integration})


# --- HubSpot ---

def test_hubspot_creates_the_contact_by_email_then_updates_it_and_logs_notes(ddb, fakes):
    tenant, user = make_tenant()
    _hubspot(tenant, user, fakes, log_note=True)
    clock = FakeClock(T0)
    first, _ = make_submission_with_deliveries(tenant, fields={"name": "Ada Lovelace", "email": "ada@example.com",
                                                               "phone": "+44 1", "message": "Call me"})
    assert run_at(clock, T0) == 1
    second, _ = make_submission_with_deliveries(tenant, fields={"name": "Ada King", "email": "ada@example.com"})
    assert run_at(clock, T0 + timedelta(seconds=1)) == 1
    assert fakes.problems == []
    assert fakes.hubspot_contacts == {"ada@example.com": {"email": "ada@example.com", "firstname": "Ada",
                                                          "lastname": "King", "phone": "+44 1"}}
    assert len(fakes.hubspot_notes) == 2 and "Call me" in json.dumps(fakes.hubspot_notes)
    upserts = [r for r in fakes.of("hubspot") if r.path.endswith("/batch/upsert")]
    assert len(upserts) == 2 and upserts[0].headers["authorization"] == f"Bearer {fakes.hubspot_token}"
    destination = access_destination(tenant=tenant, destination_id=attempts_of(first)[0].destinationId)
    assert {delivery_row(s, destination).status for s in (first, second)} == {"delivered"}
    assert destination.consecutiveFailures == 0


def test_hubspot_refusal_is_recorded_with_hubspots_own_message(ddb, fakes):
    tenant, user = make_tenant()
    _hubspot(tenant, user, fakes)
    submission, _ = make_submission_with_deliveries(tenant, fields={"email": "ada@nowhere"})
    run_at(FakeClock(T0), T0)
    (attempt,) = attempts_of(submission)
    assert not attempt.succeeded and attempt.error == "HTTP 400: Email address ada@nowhere is invalid"
    assert attempt.statusCode == 400 and "VALIDATION_ERROR" in attempt.responseBody
    health = access_destination(tenant=tenant, destination_id=attempt.destinationId)
    assert health.consecutiveFailures == 1 and health.failingSince is not None  # the breaker and notices count it


def test_hubspot_mapping_sends_a_field_to_a_property_and_an_unknown_property_says_so(ddb, fakes):
    tenant, user = make_tenant()
    _hubspot(tenant, user, fakes, field_map={"company": "organisation_name", "jobtitle": "role"})
    submission, _ = make_submission_with_deliveries(tenant, fields={"email": "b@example.com", "organisation_name": "ACME",
                                                                    "role": "CEO"})
    run_at(FakeClock(T0), T0)
    (attempt,) = attempts_of(submission)
    assert attempt.error == 'HTTP 400: Property "jobtitle" does not exist'


def test_hubspot_rate_limit_answer_is_waited_out(ddb, fakes):
    tenant, user = make_tenant()
    destination = _hubspot(tenant, user, fakes)
    assert destination.rateLimit == 5.0  # 100 requests per 10 s, two requests a delivery at most
    fakes.mode["hubspot"] = "throttle"
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(FakeClock(T0), T0)
    row = delivery_row(submission, destination)
    assert row.lastStatusCode == 429 and row.nextAttemptAt == T0 + timedelta(seconds=10)
    assert "ten_secondly_rolling" in row.lastError


def test_a_submission_without_an_email_is_a_clear_failed_attempt_and_nothing_is_sent(ddb, fakes):
    tenant, user = make_tenant()
    _hubspot(tenant, user, fakes)
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Ada"})
    run_at(FakeClock(T0), T0)
    (attempt,) = attempts_of(submission)
    assert "no e-mail address" in attempt.error and fakes.of("hubspot") == []


def test_the_token_is_encrypted_at_rest_and_a_wrong_one_reads_as_hubspots_answer(ddb, fakes):
    tenant, user = make_tenant()
    fakes.hubspot_token = "pat-na1-other"
    destination = _hubspot(tenant, user, fakes)
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert fakes.hubspot_token not in stored.credentialsEncrypted and fakes.hubspot_token in field_decrypt(stored.credentialsEncrypted)
    fakes.hubspot_token = "pat-na1-right"
    attempt = send_test_event(stored)
    assert attempt.error == "HTTP 401: Authentication credentials not found."


# --- Mailchimp ---

def test_mailchimp_adds_the_member_with_double_opt_in_merge_fields_and_tags(ddb, fakes):
    tenant, user = make_tenant()
    _mailchimp(tenant, user, fakes, double_opt_in=True, tags="website, Spring offer")
    submission, _ = make_submission_with_deliveries(tenant, fields={"email": "Ada@Example.com", "first_name": "Ada",
                                                                    "last_name": "Lovelace"})
    run_at(FakeClock(T0), T0)
    assert fakes.problems == []
    member = fakes.mailchimp_members[("a1b2c3d4e5", hashlib.md5(b"ada@example.com").hexdigest())]
    assert member["status"] == "pending"  # Mailchimp sends the confirmation e-mail
    assert member["merge_fields"] == {"FNAME": "Ada", "LNAME": "Lovelace"}
    assert member["tags"] == ["Spring offer", "website"]
    assert attempts_of(submission)[0].succeeded


def test_mailchimp_never_resubscribes_someone_who_unsubscribed(ddb, fakes):
    tenant, user = make_tenant()
    _mailchimp(tenant, user, fakes)
    key = ("a1b2c3d4e5", hashlib.md5(b"gone@example.com").hexdigest())
    fakes.mailchimp_members[key] = {"email_address": "gone@example.com", "status": "unsubscribed", "merge_fields": {}}
    make_submission_with_deliveries(tenant, fields={"email": "gone@example.com", "name": "Gone Person"})
    run_at(FakeClock(T0), T0)
    assert fakes.problems == [] and fakes.mailchimp_members[key]["status"] == "unsubscribed"
    assert fakes.mailchimp_members[key]["merge_fields"] == {"FNAME": "Gone", "LNAME": "Person"}


def test_mailchimp_refusal_shows_its_detail(ddb, fakes):
    tenant, user = make_tenant()
    _mailchimp(tenant, user, fakes)
    submission, _ = make_submission_with_deliveries(tenant, fields={"email": "ada@nowhere"})
    run_at(FakeClock(T0), T0)
    assert attempts_of(submission)[0].error == "HTTP 400: ada@nowhere looks fake or invalid, please enter a real email address."


@pytest.mark.parametrize("values, field, message", [
    ({"api_key": "0123456789abcdef0123456789abcdef"}, "api_key", "data center"),
    ({"api_key": "0123456789abcdef0123456789abcdef-us6.evil.example"}, "api_key", "data center"),
    ({"list_id": ""}, "list_id", "audience id"),
    ({"field_map": {"first name": "name"}}, "field_map", "merge tag"),
])
def test_mailchimp_settings_are_checked_before_anything_is_stored(ddb, fakes, values, field, message):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        _mailchimp(tenant, user, fakes, **values)
    assert message in " ".join(refused.value.errors[field])


# --- Google Sheets ---

def test_sheets_writes_the_header_once_and_keeps_columns_stable_as_forms_gain_fields(ddb, fakes):
    tenant, user = make_tenant()
    _sheets(tenant, user, fakes)
    make_submission_with_deliveries(tenant, fields={"name": "Ada", "email": "ada@example.com"})
    clock = FakeClock(T0)
    run_at(clock, T0)
    make_submission_with_deliveries(tenant, fields={"email": "bob@example.com", "phone": "123", "name": "=HYPERLINK(1)"})
    run_at(clock, T0 + timedelta(seconds=3))
    assert fakes.problems == []
    rows = fakes.sheets[(SPREADSHEET, "Leads")]
    assert rows[0] == ["Received at", "Form", "Site", "Submission", "name", "email", "phone"]
    assert rows[1][4:] == ["Ada", "ada@example.com"]  # written before the phone column existed
    assert rows[2][4:] == ["=HYPERLINK(1)", "bob@example.com", "123"]
    writes = [r for r in fakes.of("sheets") if r.method != "GET"]
    assert all(r.query["valueInputOption"] == ["RAW"] for r in writes)  # a formula stays text
    assert len([r for r in writes if r.method == "PUT"]) == 2  # the header: written once, extended once
    assert len(fakes.of("oauth")) == 1  # the access token is reused for its hour


def test_sheets_permission_error_says_share_with_the_service_account(ddb, fakes):
    tenant, user = make_tenant()
    _sheets(tenant, user, fakes)
    fakes.mode["sheets"] = "error"
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(FakeClock(T0), T0)
    assert attempts_of(submission)[0].error == "HTTP 403: The caller does not have permission"


@pytest.mark.parametrize("key, message", [
    ("not json", "JSON key file"),
    (json.dumps({"type": "authorized_user", "client_email": "x", "private_key": "y"}), "not a service account key"),
    (json.dumps({"type": "service_account", "client_email": "x@y", "private_key": "nope"}), "cannot be read"),
])
def test_a_bad_service_account_key_is_refused(ddb, fakes, key, message):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        _sheets(tenant, user, fakes, service_account=key)
    assert message in " ".join(refused.value.errors["service_account"])


# --- Airtable ---

def test_airtable_creates_a_record_with_typecast(ddb, fakes):
    tenant, user = make_tenant()
    _airtable(tenant, user, fakes)
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Ada", "email": "ada@example.com"})
    run_at(FakeClock(T0), T0)
    assert fakes.problems == [] and fakes.airtable_records == [{"name": "Ada", "email": "ada@example.com"}]
    (request,) = fakes.of("airtable")
    assert request.path == "/v0/appABCDEFGHIJKLMN/Leads%20table" and request.json["typecast"] is True
    assert attempts_of(submission)[0].succeeded


def test_airtable_unknown_column_reads_as_airtables_message_and_a_429_waits_30_seconds(ddb, fakes):
    tenant, user = make_tenant()
    destination = _airtable(tenant, user, fakes, field_map={"Full name": "name"})
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(FakeClock(T0), T0)
    assert attempts_of(submission)[0].error == 'HTTP 422: Unknown field name: "Full name"'
    tenant2, user2 = make_tenant()
    destination = _airtable(tenant2, user2, fakes)
    fakes.mode["airtable"] = "throttle"
    submission, _ = make_submission_with_deliveries(tenant2)
    run_at(FakeClock(T0), T0)
    assert delivery_row(submission, destination).nextAttemptAt == T0 + timedelta(seconds=30)


def test_airtable_base_id_is_checked(ddb, fakes):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        _airtable(tenant, user, fakes, base_id="https://evil.example/")
    assert "base id" in " ".join(refused.value.errors["base_id"])
