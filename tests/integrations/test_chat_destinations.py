"""Slack, Microsoft Teams, Discord and Google Chat destinations end to end: created through
the service, a submission stored by the real ingest service, sent by the real worker to each
vendor's local fake, which checks the request against the vendor's documented API."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.crypto import field_decrypt
from portal.dynamo.destinations import Destination
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import InvalidDestination, destination_update
from tests.factories.accounts import make_tenant
from tests.factories.delivery import (
    T0, FakeClock, attempts_of, delivery_row, make_destination, make_submission_with_deliveries, run_at,
)
from tests.integrations.conftest import chat_url

CHATS = ["SLACK", "TEAMS", "DISCORD", "GOOGLE_CHAT"]
PREFIX = {"SLACK": "slack", "TEAMS": "teams", "DISCORD": "discord", "GOOGLE_CHAT": "gchat"}


def _chat(tenant, user, fakes, kind, **overrides):
    return make_destination(tenant, user, name=f"{kind} leads", type=kind, url=None,
                            integration={"webhook_url": chat_url(fakes, kind)}, **overrides)


@pytest.mark.parametrize("kind", CHATS)
def test_a_submission_reaches_the_chat_as_a_readable_message(ddb, fakes, kind):
    tenant, user = make_tenant()
    destination = _chat(tenant, user, fakes, kind)
    submission, _ = make_submission_with_deliveries(
        tenant, form_id="quote",
        fields={"name": "Ada Lovelace", "email": "ada@example.com", "message": "x" * 5000},
        meta={"page_url": "https://client-a.example/quote"})
    assert run_at(FakeClock(T0), T0) == 1
    assert fakes.problems == []
    (request,) = fakes.of(PREFIX[kind])
    text = request.body.decode()
    assert "Ada Lovelace" in text and "ada@example.com" in text and "quote" in text and "client-a.example" in text
    assert "x" * 5000 not in text and "…" in text  # the long value is cut ...
    assert f"/submissions/{submission.id}/" in text  # ... and the message links to the whole submission
    assert delivery_row(submission, destination).status == "delivered"
    (attempt,) = attempts_of(submission)
    assert attempt.channel == kind and attempt.succeeded


@pytest.mark.parametrize("kind", CHATS)
def test_the_webhook_url_is_stored_encrypted_and_never_in_clear(ddb, fakes, kind):
    tenant, user = make_tenant()
    destination = _chat(tenant, user, fakes, kind)
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert stored.url is None and stored.secretEncrypted is None
    assert chat_url(fakes, kind) not in stored.credentialsEncrypted
    assert chat_url(fakes, kind) in field_decrypt(stored.credentialsEncrypted)
    assert "webhook_url" not in str(stored.integration)


@pytest.mark.parametrize("kind, url, error", [
    ("SLACK", "https://hooks.slack.evil.example/services/T/B/X", "not a Slack webhook URL"),
    ("SLACK", "https://example.com/services/T/B/X", "not a Slack webhook URL"),
    ("DISCORD", "https://discord.com/channels/1/2", "not a Discord webhook URL"),
    ("GOOGLE_CHAT", "https://chat.googleapis.com.evil.example/v1/spaces/A/messages", "not a Google Chat webhook URL"),
    ("TEAMS", "https://outlook.office.com/webhook/abc", "Teams Workflows webhook"),
    ("SLACK", "http://hooks.slack.com/services/T/B/X", "https://"),
    ("SLACK", "", "Paste the channel's webhook URL"),
])
def test_a_chat_url_off_the_vendor_domain_is_refused_and_nothing_is_stored(ddb, fakes, kind, url, error):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        make_destination(tenant, user, type=kind, url=None, integration={"webhook_url": url})
    assert error in str(refused.value.errors)
    assert list(Destination.in_tenant(tenant.id).query(Destination.partition_for(tenant.id))) == []


def test_the_vendor_domains_are_accepted(ddb, settings):
    settings.INTEGRATION_BASE_URLS = {}
    for kind, url in (("SLACK", "https://hooks.slack.com/services/T0/B0/abc"),
                      ("DISCORD", "https://discord.com/api/webhooks/1/abc"),
                      ("GOOGLE_CHAT", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"),
                      ("TEAMS", "https://prod-01.westeurope.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke")):
        tenant, user = make_tenant()
        assert make_destination(tenant, user, type=kind, url=None, integration={"webhook_url": url}).type == kind


def test_the_fake_base_url_is_refused_outside_development(ddb, fakes, settings):
    tenant, user = make_tenant()
    settings.INTEGRATION_OVERRIDES_ALLOWED = False  # what production settings hold (test_production_safety)
    with pytest.raises(InvalidDestination):
        _chat(tenant, user, fakes, "SLACK")


def test_editing_without_a_new_url_keeps_the_stored_one(ddb, fakes):
    tenant, user = make_tenant()
    destination = _chat(tenant, user, fakes, "SLACK")
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    destination_update(tenant=tenant, actor=user.email, destination=stored, version=stored.version, name="Renamed",
                       type="SLACK", integration={"webhook_url": ""})
    again = access_destination(tenant=tenant, destination_id=destination.id)
    assert again.name == "Renamed" and chat_url(fakes, "SLACK") in field_decrypt(again.credentialsEncrypted)


@pytest.mark.parametrize("kind, mode, wait", [
    ("SLACK", "throttle", 30),  # Slack: 429 with Retry-After
    ("DISCORD", "throttle", 65),  # Discord: Retry-After and retry_after in the body
    ("DISCORD", "throttle-body-only", 13),  # only the body's retry_after (12.3 s, rounded up)
    ("TEAMS", "throttle", 7),
])
def test_a_429_waits_as_long_as_the_service_says(ddb, fakes, kind, mode, wait):
    tenant, user = make_tenant()
    destination = _chat(tenant, user, fakes, kind)
    fakes.mode[PREFIX[kind]] = mode
    submission, _ = make_submission_with_deliveries(tenant)
    clock = FakeClock(T0)
    run_at(clock, T0)
    row = delivery_row(submission, destination)
    assert row.status == "pending" and row.lastStatusCode == 429
    assert row.nextAttemptAt == T0 + timedelta(seconds=max(wait, 5))
    fakes.mode[PREFIX[kind]] = "ok"
    run_at(clock, row.nextAttemptAt)
    assert delivery_row(submission, destination).status == "delivered"


@pytest.mark.parametrize("kind, mode, message", [
    ("SLACK", "error", "HTTP 404: channel_not_found"),
    ("DISCORD", "error", "HTTP 400: Invalid Form Body"),
    ("GOOGLE_CHAT", "error", "HTTP 400: Invalid JSON payload received."),
])
def test_a_refusal_is_recorded_with_the_services_own_message(ddb, fakes, kind, mode, message):
    tenant, user = make_tenant()
    _chat(tenant, user, fakes, kind)
    fakes.mode[PREFIX[kind]] = mode
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(FakeClock(T0), T0)
    (attempt,) = attempts_of(submission)
    assert not attempt.succeeded and attempt.error == message


@pytest.mark.parametrize("kind", CHATS)
def test_the_rate_limit_is_the_vendors_and_a_tenant_may_only_lower_it(ddb, fakes, kind):
    from portal.delivery.channels import vendor_rate
    tenant, user = make_tenant()
    assert _chat(tenant, user, fakes, kind).rateLimit == vendor_rate(kind)
    assert _chat(tenant, user, fakes, kind, rate_limit=500).rateLimit == vendor_rate(kind)
    assert _chat(tenant, user, fakes, kind, rate_limit=0.5).rateLimit == 0.5

