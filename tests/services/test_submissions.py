"""Spam marking goes through the one transaction helper: conflicts are retried, a stale copy
is a concurrent edit that moves no count."""
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from portal.dynamo.base import dynamodb_client
from portal.dynamo.metrics import day_counts_between
from portal.errors import ConcurrentEdit
from portal.selectors.access import access_submission
from portal.services.submissions import submission_mark_spam
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_submission

NOW = datetime(2030, 5, 6, 7, tzinfo=timezone.utc)


def _day(tenant):
    return day_counts_between(tenant_id=tenant.id, first_day="2030-05-06", last_day="2030-05-06")["2030-05-06"]


def test_marking_spam_retries_a_transaction_conflict(ddb, monkeypatch):
    tenant, _ = make_tenant()
    submission = access_submission(tenant=tenant, submission_id=make_submission(tenant, now=NOW), now=NOW)
    client = dynamodb_client()
    real, calls = client.transact_write_items, []

    def conflicting_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                               "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
                              "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", conflicting_once)
    submission_mark_spam(tenant=tenant, actor="owner@example.com", submission=submission, spam=True)
    assert len(calls) == 2
    assert access_submission(tenant=tenant, submission_id=submission.id, now=NOW).spam
    assert (_day(tenant).submissions, _day(tenant).spam) == (0, 1)


def test_marking_spam_from_a_stale_copy_is_a_concurrent_edit_and_moves_no_count(ddb):
    tenant, _ = make_tenant()
    submission_id = make_submission(tenant, now=NOW)
    first = access_submission(tenant=tenant, submission_id=submission_id, now=NOW)
    stale = access_submission(tenant=tenant, submission_id=submission_id, now=NOW)
    submission_mark_spam(tenant=tenant, actor="a@example.com", submission=first, spam=True)
    with pytest.raises(ConcurrentEdit):
        submission_mark_spam(tenant=tenant, actor="b@example.com", submission=stale, spam=True)
    assert (_day(tenant).submissions, _day(tenant).spam) == (0, 1)
