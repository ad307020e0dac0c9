"""Write units per ingest (issue 10): the Idempotency-Key's claim, the submission and its
delivery rows are one transaction (the request's one DynamoDB write on the warm path), and
the day counters are written behind it. These tests prove that nothing is lost or stored
twice on the paths around it (a request that died before its transaction, a claim an older
release left without its submission, two requests with one key racing, a counter write that
fails), and that the shared rate window never lets more than its limit through."""
from datetime import datetime, timezone

import pytest

from portal.dynamo.base import transact
from portal.dynamo.expiring import IngestGuards
from portal.dynamo.submissions import Submission
from portal.selectors.billing.plans import usage_month
from portal.services.ingest import store as ingest
from portal.services.ingest.store import RateLimited, ingest_rate_check, submission_ingest
from portal.services.ingest.rate import RateAllowance
from tests.factories.accounts import make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import another_request_first, counters_failing_once

NOW = datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc)
FIELDS = {"message": "Hello, we would like a quote for a new website. " * 40, "name": "Ada"}


def _ingest(tenant, key="k-1", fields=FIELDS):
    return submission_ingest(tenant=tenant, form_id="contact", fields=fields, meta={"ip": "203.0.113.5"},
                             now=NOW, idempotency_key=key, idempotency_scope="api-key-1")


def _ingest_dying_before_its_transaction(tenant, monkeypatch, key="k-1"):
    """An ingest whose process dies (or loses DynamoDB) just before its transaction."""
    def dies(actions, **kwargs):
        raise ConnectionError("the process died here")
    with monkeypatch.context() as patched:
        patched.setattr(ingest, "transact", dies)
        with pytest.raises(ConnectionError):
            _ingest(tenant, key=key)


def _stored_ids(tenant):
    return [item.id for item in Submission.in_tenant(tenant.id).query(Submission.partition_for(tenant.id, 0))]


def test_a_2kb_ingest_with_one_destination_costs_ten_write_units(ddb):
    tenant, user = make_tenant()
    make_destination(tenant, user)
    _ingest(tenant, key="warm-up")  # the day's first ingest also creates the day item
    result = _ingest(tenant, key="k-2")
    # One transaction: claim 2, submission 2, FormIndex 2, delivery row 2, DueIndex 2 (the day
    # counters are written behind the request: test_ingest_counter_buffer.py)
    assert result.write_units == 10


def test_a_request_that_dies_before_its_transaction_leaves_no_claim_and_the_retry_stores_once(ddb, monkeypatch):
    tenant, _ = make_tenant()
    _ingest_dying_before_its_transaction(tenant, monkeypatch)
    digest = ingest.idempotency_digest("k-1", "api-key-1")
    # The claim travels in the transaction: nothing claimed, nothing stored.
    assert IngestGuards.idempotency_lookup(tenant_id=tenant.id, key_digest=digest, now_epoch=int(NOW.timestamp())) is None
    assert _stored_ids(tenant) == []
    retried = _ingest(tenant)
    assert not retried.replayed
    again = _ingest(tenant)
    assert again.submission_id == retried.submission_id and again.replayed
    assert _stored_ids(tenant) == [retried.submission_id]
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 1


def _orphan_claim(tenant, key="k-1", fields=FIELDS):
    """A claim without its submission, as the release that claimed before its transaction
    left it when a request died in between."""
    digest = ingest.idempotency_digest(key, "api-key-1")
    fingerprint = ingest.request_fingerprint(site_id=None, form_id="contact", fields=fields,
                                             meta={"ip": "203.0.113.5"})
    epoch = int(NOW.timestamp())
    transact([IngestGuards.idempotency_put_action(
        tenant_id=tenant.id, key_digest=digest, submission_id="01ORPHANEDCLAIM0000000000", shard=0, now_epoch=epoch,
        expires_epoch=epoch + 3600, fingerprint=fingerprint)])
    return digest


def test_a_claim_left_without_its_submission_is_taken_over_by_the_retry(ddb):
    tenant, _ = make_tenant()
    digest = _orphan_claim(tenant)
    retried = _ingest(tenant)
    assert not retried.replayed and retried.submission_id != "01ORPHANEDCLAIM0000000000"
    claim = IngestGuards.idempotency_lookup(tenant_id=tenant.id, key_digest=digest, now_epoch=int(NOW.timestamp()))
    assert claim[0] == retried.submission_id  # the key now names the stored submission
    again = _ingest(tenant)
    assert again.submission_id == retried.submission_id and again.replayed
    assert _stored_ids(tenant) == [retried.submission_id]
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 1
    with pytest.raises(ingest.IdempotencyKeyReused):  # and another body is still refused
        _ingest(tenant, fields={"message": "something else"})


def test_two_requests_taking_over_one_orphaned_claim_store_one_submission(ddb, monkeypatch):
    tenant, _ = make_tenant()
    _orphan_claim(tenant)
    # Both see the orphaned claim; the second takes it over first. The first's swap then finds
    # another submission id on the claim: its condition fails and it answers that one.
    real_lookup = ingest._earlier_claim
    racing = []

    def lookup_then_race(**kwargs):
        found = real_lookup(**kwargs)
        if not racing:
            racing.append(another_request_first(monkeypatch, lambda: _ingest(tenant)))
        return found
    monkeypatch.setattr(ingest, "_earlier_claim", lookup_then_race)
    first = _ingest(tenant)
    second = racing[0][0]
    assert first.submission_id == second.submission_id and first.replayed and not second.replayed
    assert _stored_ids(tenant) == [second.submission_id]
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 1


def test_two_requests_with_one_key_racing_store_one_submission_counted_once(ddb, monkeypatch):
    tenant, _ = make_tenant()
    # Before the first request's transaction, the second (same key, same body) runs to its end.
    answers = another_request_first(monkeypatch, lambda: _ingest(tenant))
    first = _ingest(tenant)
    second = answers[0]
    assert first.submission_id == second.submission_id
    assert not second.replayed and first.replayed  # the first found its id taken: same answer
    assert _stored_ids(tenant) == [first.submission_id]
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 1


def test_the_same_key_with_another_body_is_still_refused(ddb):
    tenant, _ = make_tenant()
    _ingest(tenant)
    with pytest.raises(ingest.IdempotencyKeyReused):
        _ingest(tenant, fields={"message": "something else"})
    assert len(_stored_ids(tenant)) == 1


def test_a_counter_write_that_fails_after_the_transaction_keeps_the_submission_and_is_retried(ddb, monkeypatch):
    tenant, _ = make_tenant()
    counters_failing_once(monkeypatch)
    first = _ingest(tenant, key="k-1")
    assert _stored_ids(tenant) == [first.submission_id]  # stored and answered despite the failure
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 0
    _ingest(tenant, key="k-2")  # retries the failed count before its own
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 2


def test_reservations_never_let_more_than_the_limit_through_across_processes(ddb):
    processes = [RateAllowance(), RateAllowance()]
    granted = 0
    for n in range(120):
        taken = processes[n % 2].take(subject="key:shared", window_start=1000, limit=50, expires_epoch=2000)
        granted += taken is not None
    assert granted <= 50
    assert granted >= 40  # at most half of what was left is held by the other process
    alone = RateAllowance()
    assert sum(alone.take(subject="key:alone", window_start=1000, limit=50, expires_epoch=2000) is not None
               for _ in range(60)) == 50  # one process is exact


def test_the_rate_check_reserves_several_requests_per_shared_write(ddb, settings, monkeypatch):
    settings.INGEST_RATE_LIMIT = 50
    writes = []
    real_hit = IngestGuards.rate_window_hit
    monkeypatch.setattr(IngestGuards, "rate_window_hit", lambda **kw: writes.append(kw["amount"]) or real_hit(**kw))
    for _ in range(50):
        ingest_rate_check(subject="key:busy", now=1000.0)
    with pytest.raises(RateLimited):
        ingest_rate_check(subject="key:busy", now=1000.0)
    # 1, 2, 4, 8, 12, then half of what is left (11, 6, 3, 1...): 12 shared writes, not 51
    assert writes[:6] == [1, 2, 4, 8, 12, 11] and len(writes) <= 12


def test_a_days_first_ingest_that_fails_leaves_the_day_touch_to_the_next(ddb, monkeypatch):
    from portal.dynamo.metrics import DailyMetrics, day_key
    tenant, _ = make_tenant()
    _ingest_dying_before_its_transaction(tenant, monkeypatch)
    _ingest(tenant, key="k-2")
    day_item = DailyMetrics.in_tenant(tenant.id).get_or_none(DailyMetrics.partition_for(tenant.id),
                                                             DailyMetrics.sort_for(day_key(NOW), 0))
    assert day_item is not None  # the tenant-day is listed by the DayIndex
