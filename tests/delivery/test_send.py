"""Sending over each channel: webhooks signed with every valid secret during a rotation,
e-mails readable, and every attempt naming the channel it used."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal.delivery import payloads, worker
from portal.delivery.send import send_event
from portal.dynamo.destinations import EMAIL, WEBHOOK
from portal.selectors.destinations import destination_list
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import destination_secret_rotate
from tests.factories.accounts import make_tenant
from tests.factories.delivery import (
    T0,
    FakeClock,
    attempts_of,
    delivery_row,
    make_destination,
    make_submission_with_deliveries,
    stored_submission,
)


def test_during_a_rotation_both_secrets_verify_and_after_24_hours_only_the_new_one(setup, receiver):
    tenant, user, destination = setup
    old = receiver.secrets[0]
    new = destination_secret_rotate(tenant=tenant, actor=user.email,
                                    destination=access_destination(tenant=tenant, destination_id=destination.id))
    clock = FakeClock(datetime.now(timezone.utc) + timedelta(seconds=1))
    make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1", clock=clock)
    hit = receiver.received[0]
    assert len(hit.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(hit.body, hit.headers)
    Webhook(new).verify(hit.body, hit.headers)
    clock.advance(hours=24, seconds=1)
    make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1", clock=clock)
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)


def test_an_email_destination_sends_a_readable_email(ddb, mailoutbox):
    tenant, user = make_tenant()
    make_destination(tenant, user, name="Sales inbox", type=EMAIL, url=None,
                     recipients=["sales@agency.example", "boss@agency.example"])
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Linus", "message": "Need a quote"})
    assert worker.run_once(worker_id="w1") == 1
    (mail,) = mailoutbox
    assert mail.to == ["sales@agency.example", "boss@agency.example"]
    assert mail.subject == "[Form-Bridge] New submission: contact"
    assert "name:\n  Linus" in mail.body and "Need a quote" in mail.body
    assert "Need a quote" in mail.alternatives[0][0]
    (attempt,) = attempts_of(submission)
    assert attempt.succeeded == 1
    assert stored_submission(tenant, submission).deliveryStatus == "delivered"


def test_an_email_attempt_records_the_email_channel_not_an_http_status(ddb, mailoutbox):
    tenant, user = make_tenant()
    make_destination(tenant, user, name="Sales inbox", type=EMAIL, url=None, recipients=["sales@agency.example"])
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    (attempt,) = attempts_of(submission)
    assert (attempt.channel, attempt.statusCode, attempt.succeeded) == (EMAIL, None, 1)
    assert attempt.result_label == "e-mail accepted"
    assert delivery_row(submission, destination_list(tenant_id=tenant.id)[0]).lastStatusCode is None


def test_an_email_the_mail_server_refuses_is_a_failed_email_attempt(ddb, settings):
    settings.EMAIL_BACKEND = "tests.delivery.test_send.RefusingBackend"
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, type=EMAIL, url=None, recipients=["sales@agency.example"])
    result = send_event(destination, event=payloads.test_event(destination_name="x", at=T0), msg_id="m", now=T0)
    assert (result.channel, result.status_code, result.accepted, result.ok) == (EMAIL, None, False, False)
    assert result.error == "E-mail not sent: the mail server said no"


def test_a_webhook_attempt_records_the_webhook_channel_and_its_http_status(setup, receiver):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    (attempt,) = attempts_of(submission)
    assert (attempt.channel, attempt.statusCode, attempt.result_label) == (WEBHOOK, 200, "HTTP 200")


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server said no")
