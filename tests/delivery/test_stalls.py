"""Nothing stalls or parks a delivery: receivers dribbling their answer are cut off at the
absolute deadline, every failure while preparing or sending is an attempt on the retry
schedule, the lease outlasts the worst-case attempt, and the portal's synchronous actions are
bounded by the same deadline. Real loopback receivers, DynamoDB Local."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from cryptography.fernet import Fernet
from django.test import Client

from portal.delivery import worker
from portal.delivery.claim import lease_seconds
from portal.services.delivery_setup.destinations import InvalidDestination
from portal.forms.destinations import DestinationForm
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import (
    T0,
    Dribbler,
    FakeClock,
    attempts_of,
    delivery_row,
    make_destination,
    make_submission_with_deliveries,
    run_at,
)


def legacy_headers(destination, headers):
    """Headers stored before values were checked on save (a raw write: the service refuses them)."""
    destination.headers = headers
    destination.save()
    return destination


def test_the_service_refuses_header_values_http_cannot_carry(ddb):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        make_destination(tenant, user, headers={"X-Team": "Zoë"})
    assert "visible ASCII" in str(refused.value.errors["headers"])


@pytest.fixture
def short_timeout(settings):
    settings.DELIVERY_TIMEOUT_SECONDS = 1.0
    return settings


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_dribbling_receiver_is_cut_off_at_the_deadline_and_the_attempt_is_a_timeout(ddb, short_timeout, part):
    tenant, user = make_tenant()
    with Dribbler(part=part, every=0.2, lasts=8) as dribbler:
        destination = make_destination(tenant, user, url=dribbler.url)
        submission, _ = make_submission_with_deliveries(tenant)
        clock = FakeClock(T0)
        started = time.monotonic()
        assert run_at(clock, T0) == 1
        elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"held for {elapsed:.1f} s"
    (attempt,) = attempts_of(submission)
    assert attempt.error == "Timed out after 1 s" and attempt.statusCode is None and not attempt.succeeded
    assert attempt.durationMs < 1500
    delivery = delivery_row(submission, destination)
    assert delivery.status == "pending" and delivery.nextAttemptAt == T0 + timedelta(seconds=5)


def test_a_header_value_http_cannot_carry_is_a_failed_attempt_on_the_schedule(ddb, receiver):
    tenant, user = make_tenant()
    destination = legacy_headers(make_destination(tenant, user, url=receiver.url), {"X-Team": "Zoë ☃"})
    submission, _ = make_submission_with_deliveries(tenant)
    clock = FakeClock(T0)
    assert run_at(clock, T0) == 1
    (attempt,) = attempts_of(submission)
    assert not attempt.succeeded and "not plain ASCII" in attempt.error
    delivery = delivery_row(submission, destination)
    assert delivery.status == "pending" and delivery.leaseOwner is None
    assert delivery.nextAttemptAt == T0 + timedelta(seconds=5)
    assert receiver.received == []


def test_a_secret_no_configured_key_decrypts_is_a_failed_attempt_not_a_parked_row(setup, receiver, settings):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key was removed
    clock = FakeClock(T0)
    assert run_at(clock, T0) == 1
    (attempt,) = attempts_of(submission)
    assert not attempt.succeeded and "no longer configured" in attempt.error
    delivery = delivery_row(submission, destination)
    assert delivery.status == "pending" and delivery.nextAttemptAt == T0 + timedelta(seconds=5)


def test_an_email_backend_error_is_a_failed_attempt(ddb, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, type="EMAIL", url=None, recipients=["in@agency.example"])
    submission, _ = make_submission_with_deliveries(tenant)
    clock = FakeClock(T0)
    assert run_at(clock, T0) == 1
    (attempt,) = attempts_of(submission)
    assert not attempt.succeeded and attempt.error.startswith("E-mail not sent")
    assert delivery_row(submission, destination).nextAttemptAt == T0 + timedelta(seconds=5)


def test_smtp_has_a_timeout():
    from django.conf import settings
    from django.core.mail import get_connection

    assert settings.EMAIL_TIMEOUT and get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == \
        settings.EMAIL_TIMEOUT


def test_the_lease_always_outlasts_the_worst_case_attempt(settings):
    settings.DELIVERY_TIMEOUT_SECONDS, settings.DELIVERY_LEASE_SECONDS, settings.EMAIL_TIMEOUT = 45, 20, 10
    assert lease_seconds() >= 45 + 30
    settings.DELIVERY_TIMEOUT_SECONDS, settings.DELIVERY_LEASE_SECONDS = 10, 120
    assert lease_seconds() == 120


def _client(user) -> Client:
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_send_test_event_to_a_dribbling_receiver_answers_within_the_deadline(ddb, short_timeout):
    tenant, user = make_tenant()
    with Dribbler(part="headers", every=0.2, lasts=8) as dribbler:
        destination = make_destination(tenant, user, url=dribbler.url)
        client = _client(user)
        started = time.monotonic()
        response = client.post(f"/destinations/{destination.id}/test/", follow=True)
        elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 2.5
    assert "Test event failed: Timed out after 1 s" in response.content.decode()


def test_send_test_event_with_a_non_latin1_header_is_a_failed_attempt_not_a_500(ddb, receiver):
    tenant, user = make_tenant()
    destination = legacy_headers(make_destination(tenant, user, url=receiver.url), {"X-Team": "☃"})
    response = _client(user).post(f"/destinations/{destination.id}/test/", follow=True)
    assert response.status_code == 200 and "Test event failed: Could not send the request" in \
        response.content.decode()


@pytest.mark.parametrize("line,ok", [
    ("Authorization: Bearer abc123", True), ("X-Team: Zoë", False), ("X-Snow: ☃", False),
    ("X-Tab: a\tb", False), ("X Bad: value", False), ("X-Empty:", False), ("X-Spaces: a b  c", True),
])
def test_custom_header_values_must_be_visible_ascii_when_saved(line, ok):
    form = DestinationForm(data={"name": "Hook", "type": "WEBHOOK", "url": "https://h.example/in", "headers": line})
    assert form.is_valid() is ok, form.errors


@given(st.text(max_size=40), st.text(max_size=60))
@hypothesis_settings(max_examples=200, deadline=None)
def test_every_saved_header_can_be_sent(name, value):
    form = DestinationForm(data={"name": "Hook", "type": "WEBHOOK", "url": "https://h.example/in",
                                 "headers": f"{name}: {value}"})
    if form.is_valid():
        for key, text in form.cleaned_data["headers"].items():
            assert key.isascii() and text.isascii() and text == text.strip() and text.isprintable()
