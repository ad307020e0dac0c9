"""Notices (issue 16) on DynamoDB Local with a real loopback receiver for the operational
webhook: destination health (failing, circuit open, disabled, recovered), quota (80%, 100%),
silent forms from the day counters; each at most once per event, each kind can be turned off,
the webhook signed like deliveries and retried until it is accepted."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.delivery import worker
from portal.delivery.health import destination_health_record
from portal.dynamo.notices import FAILED, OFF, PENDING, SENT, Notice
from portal.selectors.access import access_destination, access_tenant
from portal.services.delivery_setup import notices
from portal.services.ingest.store import QuotaExceeded
from portal.services.delivery_setup.notices import (CIRCUIT_OPEN, DISABLED, FAILING, FORM_SILENT, KINDS, QUOTA_EXHAUSTED,
                                     QUOTA_WARNING, RECOVERED, notice_raise, notice_settings_update,
                                     notice_webhook_secret, notices_check_silent, notices_send_due)
from portal.services.accounts.team import team_invite, team_role_change
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.dynamo.users import ADMIN
from tests.factories.accounts import PASSWORD, make_product, make_tenant
from tests.factories.delivery import Receiver, make_destination, make_submission_with_deliveries
from tests.factories.ingest import make_submission

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _kinds(tenant) -> list[str]:
    return sorted(n.kind for n in Notice.of_tenant(tenant.id, limit=200))


def _with_webhook(tenant, owner, url, *, off=()):
    fresh = access_tenant(tenant_id=tenant.id)
    return notice_settings_update(tenant=fresh, actor=owner.email, version=fresh.version,
                                  kinds_on=[k for k in KINDS if k not in off], webhook_url=url, hours=48)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def account(ddb, receiver):
    tenant, owner = make_tenant()
    admin = team_invite(tenant=tenant, actor=owner, email="admin@notices.example")
    invitation_accept(token=invitation_token(user=admin), password=PASSWORD)
    team_role_change(tenant=tenant, actor=owner, user_id=admin.id, role=ADMIN)
    tenant = _with_webhook(tenant, owner, receiver.url)
    receiver.secrets = [notice_webhook_secret(tenant=tenant)]
    return tenant, owner


def test_a_failing_destination_is_told_by_email_and_signed_webhook_once(account, receiver, mailoutbox):
    tenant, owner = account
    with Receiver(mode="fail") as broken:
        make_destination(tenant, owner, name="CRM", url=broken.url)
        make_submission_with_deliveries(tenant)
        make_submission_with_deliveries(tenant)
        worker.run_once()  # two failed attempts: one notice (first failure after success, once a day)
    assert _kinds(tenant) == [FAILING]
    assert notices_send_due() == 1
    receiver.wait_for(1)
    (hook,) = receiver.received
    assert hook.verified and hook.json["type"] == FAILING and hook.json["data"]["destination_name"] == "CRM"
    assert hook.headers["webhook-id"].startswith("ntc_")
    (mail,) = [m for m in mailoutbox if "invit" not in m.subject.lower()]  # the team invitation aside
    assert "Destination failing: CRM" in mail.subject
    assert sorted(mail.to) == sorted([owner.email, "admin@notices.example"])
    assert notices_send_due() == 0  # nothing pending any more
    (notice,) = Notice.of_tenant(tenant.id)
    assert (notice.emailState, notice.webhookState) == (SENT, SENT)


def test_each_event_is_recorded_once_by_the_conditional_write(account):
    tenant, _ = account
    assert notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="2030-01", data={})
    notices.reset()  # another process: it knows nothing, the conditional write refuses
    assert not notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="2030-01", data={})
    assert notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="2030-02", data={})
    assert _kinds(tenant) == [QUOTA_WARNING, QUOTA_WARNING]


def test_circuit_open_disabled_and_recovered_follow_the_health_record(account, settings, mailoutbox):
    settings.DELIVERY_BREAKER_THRESHOLD = 2
    tenant, owner = account
    destination = make_destination(tenant, owner, name="ERP")
    start = (NOW - timedelta(days=6)).replace(hour=1)  # three failures within one UTC day
    for hours in (0, 1, 2):
        destination_health_record(destination=destination, tenant=tenant, ok=False, now=start + timedelta(hours=hours),
                                  exhausted=False)
    assert _kinds(tenant) == [CIRCUIT_OPEN, FAILING]
    destination_health_record(destination=destination, tenant=tenant, ok=False, now=NOW, exhausted=True)
    assert not access_destination(tenant=tenant, destination_id=destination.id).enabled
    assert _kinds(tenant) == [CIRCUIT_OPEN, DISABLED, FAILING, FAILING]  # a new day's failing reminder
    disabled = next(n for n in Notice.of_tenant(tenant.id) if n.kind == DISABLED)
    assert disabled.emailState == OFF and disabled.webhookState == PENDING  # its e-mail is the disable mail
    told = [m for m in mailoutbox if "invit" not in m.subject.lower()]
    assert len(told) == 1 and "Destination disabled" in told[0].subject
    destination_health_record(destination=destination, tenant=tenant, ok=True, now=NOW + timedelta(hours=1),
                              exhausted=False)
    assert _kinds(tenant).count(RECOVERED) == 1


def test_quota_warning_at_80_and_exhausted_at_100_percent_once_a_month(ddb):
    tenant, _ = make_tenant(product=make_product(monthly_submissions=5))
    for _ in range(3):
        make_submission(tenant)
    assert _kinds(tenant) == []
    make_submission(tenant)  # the 4th of 5: 80%
    assert _kinds(tenant) == [QUOTA_WARNING]
    make_submission(tenant)  # the 5th: exhausted
    with pytest.raises(QuotaExceeded):
        make_submission(tenant)
    notices.reset()
    with pytest.raises(QuotaExceeded):
        make_submission(tenant)
    assert _kinds(tenant) == [QUOTA_EXHAUSTED, QUOTA_WARNING]


def test_a_kind_turned_off_is_not_recorded(account, receiver):
    tenant, owner = account
    tenant = _with_webhook(tenant, owner, receiver.url, off=[QUOTA_WARNING])
    assert not notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="m", data={})
    assert notice_raise(tenant=tenant, kind=QUOTA_EXHAUSTED, event_key="m", data={})
    assert _kinds(tenant) == [QUOTA_EXHAUSTED]


def test_the_webhook_is_retried_until_accepted_and_given_up_after_its_schedule(account, receiver, mailoutbox):
    tenant, _ = account
    receiver.mode = "fail"
    notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="2030-03", data={"quota": 10, "used": 8}, now=NOW)
    assert notices_send_due(now=NOW) == 1
    (notice,) = Notice.of_tenant(tenant.id)
    assert notice.emailState == SENT and notice.webhookState == PENDING and notice.lastStatusCode == 500
    assert notices_send_due(now=NOW + timedelta(seconds=30)) == 0  # not due before its next attempt
    receiver.mode = "ok"
    assert notices_send_due(now=NOW + timedelta(seconds=61)) == 1
    (notice,) = Notice.of_tenant(tenant.id)
    assert notice.webhookState == SENT and notice.attempts == 2
    assert len([m for m in mailoutbox if "80%" in m.subject]) == 1  # the e-mail went once
    receiver.wait_for(2)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same message id on retries

    receiver.mode = "fail"
    notice_raise(tenant=tenant, kind=QUOTA_EXHAUSTED, event_key="2030-03", data={}, now=NOW)
    moment = NOW
    for _ in range(10):
        notices_send_due(now=moment)
        moment += timedelta(hours=7)
    exhausted = next(n for n in Notice.of_tenant(tenant.id) if n.kind == QUOTA_EXHAUSTED)
    assert exhausted.webhookState == FAILED and exhausted.attempts == 6 and exhausted.dueKey is None


def test_a_form_that_usually_receives_daily_and_went_silent_is_told_once(ddb):
    tenant, _ = make_tenant()
    for days_ago in range(3, 11):  # daily until three days ago
        make_submission(tenant, form_id="contact", now=NOW - timedelta(days=days_ago))
    for days_ago in (3, 6):  # now and then: not a daily form
        make_submission(tenant, form_id="rare", now=NOW - timedelta(days=days_ago))
    for days_ago in range(0, 10):  # daily and still busy
        make_submission(tenant, form_id="busy", now=NOW - timedelta(days=days_ago, minutes=1))
    assert notices_check_silent(now=NOW) == 1
    (notice,) = Notice.of_tenant(tenant.id)
    assert notice.kind == FORM_SILENT and notice.data["form_id"] == "contact"
    assert notices_check_silent(now=NOW + timedelta(hours=1)) == 0  # the same silence: once
    notices.reset()
    assert notices_check_silent(now=NOW + timedelta(hours=2)) == 0


def test_silence_threshold_is_the_tenants_choice(ddb):
    tenant, owner = make_tenant()
    for days_ago in range(3, 11):
        make_submission(tenant, form_id="contact", now=NOW - timedelta(days=days_ago))
    fresh = access_tenant(tenant_id=tenant.id)
    notice_settings_update(tenant=fresh, actor=owner.email, version=fresh.version, kinds_on=list(KINDS),
                           webhook_url="", hours=24 * 5)
    assert notices_check_silent(now=NOW) == 0  # silent ~3 days, threshold 5 days


def test_old_notices_are_pruned_when_a_new_one_is_recorded(account):
    tenant, _ = account
    notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="old", data={}, now=NOW - timedelta(days=100))
    Notice.of_tenant(tenant.id)  # stored
    (old,) = Notice.of_tenant(tenant.id)
    old.webhookState = old.emailState = SENT
    old.save_progress()  # sent long ago: nothing pending
    notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="new", data={}, now=NOW)
    assert [n.eventKey for n in Notice.of_tenant(tenant.id)] == ["new"]
