"""Destination health: five days of failures with exhausted retries disable the destination
and tell the tenant once."""
from __future__ import annotations

from datetime import timedelta

from portal.selectors.access import access_destination
from tests.factories.accounts import make_tenant
from tests.factories.delivery import (
    T0,
    FakeClock,
    fail_to_the_end,
    make_destination,
    make_submission_with_deliveries,
    run_at,
)


def test_after_five_days_of_failures_and_exhausted_retries_the_destination_is_disabled_and_the_tenant_told(
        ddb, receiver, mailoutbox):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, url=receiver.url, name="CRM hook")
    receiver.mode = "fail"
    clock = FakeClock(T0)
    first, _ = make_submission_with_deliveries(tenant)
    fail_to_the_end(clock, first, destination)
    assert access_destination(tenant=tenant, destination_id=destination.id).enabled
    clock.now = T0 + timedelta(days=4)
    second, _ = make_submission_with_deliveries(tenant)
    fail_to_the_end(clock, second, destination)  # ends ~5 days 4 hours after the first failure
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert not stored.enabled and "retries were exhausted" in stored.disabledReason
    assert stored.failingSince == T0
    (mail,) = mailoutbox
    assert mail.to == [tenant.email] and "CRM hook" in mail.subject
    assert f"/destinations/{destination.id}/" in mail.body
    clock.advance(hours=1)
    third, _ = make_submission_with_deliveries(tenant)  # planned before the disable? no: disabled ones are not planned
    assert run_at(clock, clock.now) == 0
