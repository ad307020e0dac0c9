"""Delivery is cheap: few DynamoDB requests and write units per delivery, an idle worker that
looks at the due queue less and less, and rows that expire with their submission. DynamoDB
Local and a real loopback receiver; requests and units counted at botocore."""
from __future__ import annotations

from collections import Counter

import botocore.client
import pytest

from portal.delivery import worker
from portal.dynamo.operations import migrate
from portal.dynamo.deliveries import Delivery
from portal.selectors.access import access_destination, access_submission
from portal.services.delivery_setup.deliveries import delivery_retry_now
from tests.factories.delivery import (
    attempts_of,
    delivery_row,
    make_submission_with_deliveries,
    stored_submission,
)

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """Every DynamoDB request by operation, and the write units of each by table and index."""
    calls, units = [], Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(client, operation, params):
        if operation in WRITES:
            params = {**params, "ReturnConsumedCapacity": "INDEXES"}
        answer = original(client, operation, params)
        calls.append(operation)
        consumed = answer.get("ConsumedCapacity") if operation in WRITES else None
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            table = entry["TableName"].split("-", 1)[1]
            units[(operation, table)] += entry.get("Table", {}).get("CapacityUnits", 0)
            for index, used in (entry.get("GlobalSecondaryIndexes") or {}).items():
                units[(operation, f"{table}.{index}")] += used["CapacityUnits"]
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return calls, units


def test_a_pass_over_single_destination_submissions_makes_at_most_three_requests_per_delivery(
        setup, receiver, dynamodb_calls):
    tenant, user, destination = setup
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(20)]
    calls, _ = dynamodb_calls
    calls.clear()
    assert worker.run_once(worker_id="w1", concurrency=4) == 20
    assert len(calls) / 20 <= 3, Counter(calls)
    # Reads are batched (no GetItem per delivery) and no status needed a query of the rows.
    assert "GetItem" not in calls and calls.count("Query") <= 2 * 8, Counter(calls)
    assert all(stored_submission(tenant, s).deliveryStatus == "delivered" for s in submissions)
    assert len(receiver.received) == 20 and all(hit.verified for hit in receiver.received)


def test_a_claim_writes_no_index_and_a_success_is_one_write_of_its_row(setup, receiver, dynamodb_calls):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    _, units = dynamodb_calls
    units.clear()
    worker.run_once(worker_id="w1")
    deliveries = Counter()
    for (_operation, target), used in units.items():
        if target.startswith("deliveries"):
            deliveries[target] += used
    # The claim (UpdateItem): the row only. The outcome with its attempt (PutItem): the row,
    # leaving the DueIndex, entering the DestinationIndex (as the attempt log's entry).
    assert deliveries == {"deliveries": 2.0, "deliveries.DueIndex": 1.0, "deliveries.DestinationIndex": 1.0}, units
    assert units[("UpdateItem", "deliveries")] == 1.0 and ("UpdateItem", "deliveries.DueIndex") not in units
    (attempt,) = attempts_of(submission)
    assert (attempt.number, attempt.statusCode, attempt.succeeded) == (1, 200, 1)


def test_delivery_rows_and_attempts_expire_with_their_submission(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "fail"
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    row = delivery_row(submission, destination)
    (attempt,) = attempts_of(submission)
    assert submission.ttl is not None and row.ttl == submission.ttl and attempt.ttl == submission.ttl
    ttl = Delivery._get_connection().connection.client.describe_time_to_live(TableName=Delivery.Meta.table_name)
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert migrate.find_drift() == []


def test_retry_now_of_a_delivered_delivery_keeps_the_earlier_success_in_the_timeline(setup, receiver):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    receiver.mode = "fail"
    outcome = delivery_retry_now(tenant=tenant, actor=user.email,
                                 submission=access_submission(tenant=tenant, submission_id=submission.id),
                                 destination=access_destination(tenant=tenant, destination_id=destination.id))
    assert outcome.status == "failed"
    assert [(a.number, a.succeeded, a.trigger) for a in attempts_of(submission)] == [
        (1, 1, "scheduled"), (2, 0, "manual")]
    assert stored_submission(tenant, submission).deliveryStatus == "failed"


def test_the_idle_poll_backs_off_while_nothing_is_due_and_snaps_back_when_work_appears():
    poll = worker.IdlePoll(longest=5.0)
    waits = [poll.found(0) for _ in range(7)]
    assert waits == [0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert poll.found(3) == worker.MIN_POLL_SECONDS
    assert worker.IdlePoll(longest=0.05).found(0) == 0.05  # a short --poll stays short
