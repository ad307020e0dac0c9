"""Storage per DESIGN section 4: one transaction for submission, deliveries and counters;
shards, compression, TTL, idempotency under concurrency, conflict retries."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from portal.dynamo.base import TransactionCancelled, dynamodb_client, new_id
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination
from portal.dynamo.metrics import day_counts_between
from portal.dynamo.codecs.payload_dictionary import CURRENT_CODEC
from portal.dynamo.submissions import Submission
from portal.selectors import submissions as submissions_selectors
from portal.selectors.access import access_submission
from portal.selectors.billing.plans import usage_month
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_iter, submission_list
from portal.services.ingest import store as ingest
from portal.services.ingest.store import submission_ingest
from tests.factories.accounts import make_product, make_tenant
from tests.factories.ingest import make_submission

# In the future: DynamoDB Local does remove items whose TTL has passed, in the background.
NOW = datetime(2030, 3, 14, 9, 30, tzinfo=timezone.utc)


def _destination(tenant_id, form_ids=()):
    destination = Destination.in_tenant(tenant_id).new(id=new_id(), name="hook", url="https://hooks.example/x",
                                                       formIds=list(form_ids))
    destination.save()
    return destination


def test_submission_its_deliveries_and_day_counters_are_written_together(ddb):
    tenant, _ = make_tenant(product=make_product(retention_days=10))
    hook = _destination(tenant.id)
    _destination(tenant.id, form_ids=["other-form"])
    submission_id = make_submission(tenant, form_id="contact", now=NOW)
    stored = access_submission(tenant=tenant, submission_id=submission_id, now=NOW)
    assert stored.receivedAt == NOW and stored.ttl == NOW + timedelta(days=10)
    rows = list(Delivery.in_tenant(tenant.id).query(Delivery.partition_for(submission_id)))
    assert [(r.destinationId, r.status) for r in rows] == [(hook.id, DeliveryStatus.PENDING)]
    day = day_counts_between(tenant_id=tenant.id, first_day="2030-03-14", last_day="2030-03-14")["2030-03-14"]
    assert (day.submissions, day.spam, day.forms, day.hours) == (1, 0, {"contact": 1}, {"09": 1})


def test_spam_is_stored_counted_as_spam_and_not_delivered(ddb):
    tenant, _ = make_tenant()
    _destination(tenant.id)
    submission_id = make_submission(tenant, spam=True, now=NOW)
    assert access_submission(tenant=tenant, submission_id=submission_id, now=NOW).spam
    assert list(Delivery.in_tenant(tenant.id).query(Delivery.partition_for(submission_id))) == []
    day = day_counts_between(tenant_id=tenant.id, first_day="2030-03-01", last_day="2030-03-31")["2030-03-14"]
    assert (day.submissions, day.spam) == (0, 1)
    assert usage_month(tenant_id=tenant.id, today=NOW.date()).submissions == 0


def test_a_failed_transaction_leaves_nothing_behind(ddb, monkeypatch):
    tenant, _ = make_tenant()
    _destination(tenant.id)
    original = ingest.counter_update_action

    def broken(**kwargs):
        action = original(**kwargs)
        action["Update"]["ConditionExpression"] = "attribute_exists(nothing_has_this)"
        return action

    monkeypatch.setattr(ingest, "counter_update_action", broken)
    with pytest.raises(TransactionCancelled):
        make_submission(tenant, now=NOW)
    assert submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), now=NOW).items == []
    assert day_counts_between(tenant_id=tenant.id, first_day="2030-03-01", last_day="2030-03-31") == {}


def test_large_text_payload_is_compressed_and_reads_back_unchanged(ddb):
    tenant, _ = make_tenant()
    message = "Hello, we would like a quote for a new website with a booking system. " * 40
    submission_id = make_submission(tenant, fields={"message": message}, now=NOW)
    stored = access_submission(tenant=tenant, submission_id=submission_id, now=NOW)
    assert stored.payloadCodec == CURRENT_CODEC and stored.payload is None
    assert len(stored.payloadZ) < 0.3 * len(message)
    assert stored.fields == {"message": message}


def test_an_ingest_writes_at_most_one_unit_per_index_and_no_day_index_after_the_first(ddb):
    tenant, _ = make_tenant()
    make_submission(tenant, now=NOW)
    message = "Hello, we would like a quote for a new website with a booking system. " * 30  # 2 KB of text
    result = submission_ingest(tenant=tenant, form_id="contact", fields={"message": message, "name": "Ada"},
                               meta={"ip": "203.0.113.5"}, now=NOW, idempotency_key="k-1")
    # The idempotency claim 1 (a plain PutItem before the transaction); transactional writes
    # cost twice: submission 2, FormIndex 2; the day counter 1 (a plain UpdateItem after it;
    # GSI1 only projects what the day's first write set). The sparse StatusIndex is not
    # written for a new (pending) submission.
    assert result.write_units == 6


def test_the_form_index_holds_no_payload_but_form_filtered_pages_and_exports_show_every_field(ddb, monkeypatch):
    monkeypatch.setattr(submissions_selectors, "BATCH_GET_LIMIT", 2)  # several BatchGetItems for 5 items
    tenant, _ = make_tenant()
    ids = [make_submission(tenant, form_id="quote", fields={"n": str(i), "text": "Long text. " * 150},
                           now=NOW + timedelta(seconds=i)) for i in range(5)]
    make_submission(tenant, form_id="contact", now=NOW)
    client = dynamodb_client()
    raw = client.query(TableName=Submission.Meta.table_name, IndexName="FormIndex",
                       KeyConditionExpression="formKey = :k",
                       ExpressionAttributeValues={":k": {"S": Submission.form_key_for(tenant.id, "quote")}})["Items"]
    assert len(raw) == 5 and not any({"payload", "payloadZ", "payloadGz"} & set(item) for item in raw)
    filters = SubmissionFilters(form_id="quote")
    page = submission_list(tenant=tenant, filters=filters, limit=3, now=NOW)
    assert [(item.id, item.fields["n"]) for item in page.items] == [(ids[4], "4"), (ids[3], "3"), (ids[2], "2")]
    rest = submission_list(tenant=tenant, filters=filters, cursor=page.next_cursor, limit=3, now=NOW)
    assert [item.fields["n"] for item in rest.items] == ["1", "0"]
    exported = list(submission_iter(tenant=tenant, filters=filters, now=NOW))
    assert [(item.id, item.fields["n"]) for item in exported] == [(i,
             str(n)) for n, i in reversed(list(enumerate(ids)))]


def test_sharded_tenant_spreads_writes_and_lists_newest_first_across_shards(ddb):
    tenant, _ = make_tenant()
    tenant.shardCount = 4
    tenant.save()
    ids = [make_submission(tenant, fields={"n": str(i)}, now=NOW + timedelta(seconds=i)) for i in range(30)]
    partitions = {access_submission(tenant=tenant, submission_id=i, now=NOW).pk for i in ids}
    assert len(partitions) > 1
    seen, cursor = [], None
    while True:
        page = submission_list(tenant=tenant, filters=SubmissionFilters(), cursor=cursor, limit=7, now=NOW)
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == list(reversed(ids))
    assert [s.id for s in submission_iter(tenant=tenant, filters=SubmissionFilters(), now=NOW)] == list(reversed(ids))
    days = day_counts_between(tenant_id=tenant.id, first_day="2030-03-14", last_day="2030-03-14")
    assert days["2030-03-14"].submissions == 30


def test_two_identical_requests_at_the_same_moment_store_one_submission(ddb):
    tenant, _ = make_tenant()
    barrier = threading.Barrier(4)
    answers = []

    def send():
        barrier.wait()
        answers.append(submission_ingest(tenant=tenant, form_id="contact", fields={"a": "b"}, meta={},
                                         idempotency_key="same-key").submission_id)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and len(set(answers)) == 1
    stored = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items
    assert [s.id for s in stored] == answers[:1]
    assert usage_month(tenant_id=tenant.id).submissions == 1


def test_transaction_conflicts_are_retried_with_backoff(ddb, monkeypatch):
    tenant, _ = make_tenant()
    client = dynamodb_client()
    real = client.transact_write_items
    calls, sleeps = [], []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                               "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
                              "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", flaky)
    result = submission_ingest(tenant=tenant, form_id="contact", fields={"a": "b"}, meta={}, sleep=sleeps.append)
    assert len(calls) == 3 and len(sleeps) == 2 and all(0 <= s <= 1 for s in sleeps)
    assert access_submission(tenant=tenant, submission_id=result.submission_id)


def test_expired_submission_reads_as_absent(ddb):
    tenant, _ = make_tenant(product=make_product(retention_days=1))
    submission_id = make_submission(tenant, now=NOW)
    later = NOW + timedelta(days=2)
    with pytest.raises(Exception):
        access_submission(tenant=tenant, submission_id=submission_id, now=later)
    assert submission_list(tenant=tenant, filters=SubmissionFilters(), now=later).items == []


def test_a_submission_no_destination_matches_is_not_left_pending(ddb):
    tenant, _ = make_tenant()
    submission_id = make_submission(tenant, now=NOW)
    stored = access_submission(tenant=tenant, submission_id=submission_id, now=NOW)
    assert stored.deliveryStatus == "no destination"
