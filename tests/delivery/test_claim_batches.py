"""Claims and outcomes sent together: the worker's attempts that start or end at the same time
share one BatchExecuteStatement, yet each statement stands alone (a failed condition fails
only its own row), and two workers racing for the same rows still take each one once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from portal.delivery import worker
from portal.delivery.claim import claim, outcome_save
from portal.dynamo import delivery_batch
from portal.dynamo.connection import capacity
from portal.dynamo.delivery_batch import StatementBatcher, StatementRefused
from portal.dynamo.delivery_status import DeliveryStatus
from tests.factories.delivery import T0, delivery_row, make_submission_with_deliveries


@pytest.fixture
def batcher():
    batcher = StatementBatcher(threads=1, name="test")
    yield batcher
    batcher.close()


def _due_rows(tenant, count):
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(count)]
    rows = worker.due_deliveries(now=T0, per_shard=100)
    assert len(rows) == count
    return submissions, rows


def _recording_batches(monkeypatch, *, hold_first_until=None):
    """Record the size of every BatchExecuteStatement; the first one waits (holding the single
    batcher thread) until `hold_first_until()` is true, so the statements queue up meanwhile."""
    sizes = []
    real = delivery_batch.dynamodb_client

    class Client:
        def __init__(self):
            self.client = real()

        def batch_execute_statement(self, **kwargs):
            if not sizes and hold_first_until is not None:
                for _ in range(500):
                    if hold_first_until():
                        break
                    threading.Event().wait(0.01)
            sizes.append(len(kwargs["Statements"]))
            return self.client.batch_execute_statement(**kwargs)

        def __getattr__(self, name):
            return getattr(self.client, name)

    monkeypatch.setattr(delivery_batch, "dynamodb_client", Client)
    return sizes


def test_claims_made_together_share_requests_and_each_reads_its_whole_row(setup, batcher, monkeypatch):
    tenant, _user, destination = setup
    submissions, rows = _due_rows(tenant, 12)
    sizes = _recording_batches(monkeypatch, hold_first_until=lambda: batcher._queue.qsize() >= 11)
    with ThreadPoolExecutor(12) as pool:
        taken = list(pool.map(lambda row: claim(row, worker_id="w1", now=T0, batcher=batcher), rows))
    assert taken == [True] * 12
    assert sum(sizes) == 12 and len(sizes) == 2  # the first alone, the eleven queued meanwhile in one
    for row in rows:  # the claim read back the whole row, as the single UpdateItem does
        assert row.leaseOwner == "w1" and row.attemptCount == 1 and row.version == 2 and row.ttl is not None
    assert all(delivery_row(s, destination).leaseOwner == "w1" for s in submissions)


def test_two_workers_racing_for_the_same_rows_take_each_once(setup):
    tenant, _user, _destination = setup
    _submissions, rows = _due_rows(tenant, 20)
    copies = worker.due_deliveries(now=T0, per_shard=100)  # what the other worker fetched
    first, second = StatementBatcher(threads=2), StatementBatcher(threads=2)
    try:
        with ThreadPoolExecutor(16) as pool:
            ours = pool.map(lambda row: claim(row, worker_id="w1", now=T0, batcher=first), rows)
            theirs = pool.map(lambda row: claim(row, worker_id="w2", now=T0, batcher=second), copies)
            ours, theirs = list(ours), list(theirs)
    finally:
        first.close()
        second.close()
    by_key = {(r.pk, r.sk): taken for r, taken in zip(rows, ours)}
    for row, taken in zip(copies, theirs):
        assert by_key[(row.pk, row.sk)] != taken  # exactly one of the two has it
    assert sum(ours) + sum(theirs) == 20


def test_a_row_no_longer_due_is_not_claimed_and_fails_only_its_own_statement(setup, batcher):
    tenant, _user, destination = setup
    submissions, rows = _due_rows(tenant, 2)
    early = T0 - timedelta(days=1)  # before the rows were due: their condition fails
    assert not claim(rows[0], worker_id="w1", now=early, batcher=batcher)
    assert claim(rows[1], worker_id="w1", now=T0, batcher=batcher)
    stored = {s.id: delivery_row(s, destination) for s in submissions}
    assert stored[rows[0].submissionId].leaseOwner is None and stored[rows[0].submissionId].attemptCount == 0
    assert stored[rows[1].submissionId].leaseOwner == "w1"


def test_a_server_that_returns_no_row_for_a_claim_gets_it_read(setup, batcher, monkeypatch):
    tenant, _user, _destination = setup
    _submissions, (row,) = _due_rows(tenant, 1)
    real = delivery_batch.dynamodb_client

    class WithoutItems:
        def __getattr__(self, name):
            return getattr(real(), name)

        def batch_execute_statement(self, **kwargs):
            answer = real().batch_execute_statement(**kwargs)
            for response in answer["Responses"]:
                response.pop("Item", None)
            return answer

    monkeypatch.setattr(delivery_batch, "dynamodb_client", WithoutItems)
    assert claim(row, worker_id="w1", now=T0, batcher=batcher)
    assert row.leaseOwner == "w1" and row.attemptCount == 1 and row.submissionId


def test_an_outcome_written_in_a_batch_ends_the_row_and_a_lost_lease_is_refused(setup, batcher):
    tenant, _user, destination = setup
    submissions, (row,) = _due_rows(tenant, 1)
    assert claim(row, worker_id="w1", now=T0, batcher=batcher)
    late = delivery_row(submissions[0], destination)  # a worker whose lease has gone meanwhile
    row.status, row.nextAttemptAt, row.scheduleStep, row.lastStatusCode = DeliveryStatus.DELIVERED, None, 1, 200
    assert outcome_save(row, worker_id="w1", now=T0, batcher=batcher)
    stored = delivery_row(submissions[0], destination)
    assert (stored.status, stored.leaseOwner, stored.leaseExpiresAt, stored.dueShard) == ("delivered", None, None, None)
    assert stored.version == row.version == 3 and stored.lastStatusCode == 200
    assert worker.due_deliveries(now=T0 + timedelta(days=1)) == []  # out of the due queue
    late.status = DeliveryStatus.FAILED
    assert not outcome_save(late, worker_id="w1", now=T0, batcher=batcher)  # released already: refused
    assert delivery_row(submissions[0], destination).status == "delivered"


def test_an_outcome_dynamodb_refused_is_tried_again_while_the_lease_lasts(setup, batcher, monkeypatch):
    tenant, _user, destination = setup
    submissions, (row,) = _due_rows(tenant, 1)
    assert claim(row, worker_id="w1", now=T0, batcher=batcher)
    row.status, row.nextAttemptAt = DeliveryStatus.DELIVERED, None
    real, refusals = batcher.execute, []

    def throttled_once(statement, **kwargs):
        if not refusals:
            refusals.append(statement)
            raise StatementRefused("ThrottlingError", "slow down")
        return real(statement, **kwargs)

    monkeypatch.setattr(batcher, "execute", throttled_once)
    waits = []
    assert outcome_save(row, worker_id="w1", now=T0, batcher=batcher, sleep=waits.append, rand=lambda: 0.5)
    assert len(refusals) == 1 and len(waits) == 1
    assert delivery_row(submissions[0], destination).status == "delivered"


def test_a_batch_charges_its_tenants_the_write_units_a_server_did_not_report(setup):
    tenant, _user, _destination = setup
    _submissions, rows = _due_rows(tenant, 3)
    batcher = StatementBatcher(threads=1, table="deliveries", index_keys=("dueShard", "destKey"))
    capacity.pending.clear()
    try:
        for row in rows:
            assert claim(row, worker_id="w1", now=T0, batcher=batcher)
    finally:
        batcher.close()
    units = capacity.pending.take(tenant.id)
    # DynamoDB Local reports nothing for BatchExecuteStatement: a unit per claimed row (< 1 KB).
    assert units.write.get("deliveries") == 3
