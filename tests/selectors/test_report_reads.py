"""A report reads counters and nothing else: for a client with 100,000 submissions in the
month it makes two Queries of the metrics table (the day counters, the lead counters) and no
request to the submissions table (DynamoDB Local, every request recorded at the botocore
client)."""
from __future__ import annotations

from datetime import datetime, timezone

import botocore.client
import pytest

from portal.dynamo.base import transact
from portal.dynamo.leads import RESPONSE_SECONDS, RESPONSES, bucket_of, lead_counter_action
from portal.dynamo.metrics import DailyMetrics, counters_add, submission_counts
from portal.dynamo.submissions import Submission
from portal.selectors.reports.figures import month_bounds, report_build
from portal.selectors.reports.subjects import access_report_subject, client_key_for
from tests.services.test_reports import MONTH, agency, ingest  # noqa: F401 - the fixture

BIG = 100_000


@pytest.fixture
def requests_seen(monkeypatch):
    seen = []
    real = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        tables = {params.get("TableName")} | {
            part.get(kind, {}).get("TableName") for part in params.get("TransactItems", []) for kind in part}
        tables |= set(params.get("RequestItems", {}))
        seen.append((operation, tables - {None}))
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return seen


def test_a_report_of_a_client_with_100000_submissions_reads_no_submission(agency, requests_seen):
    tenant, _owner, site_a, _site_b, _ann = agency
    # The counters of 100,000 more submissions to site A (3,000+ a day, five pages, two forms),
    # as ingest writes them: on the form items of the site, one ADD per item.
    first, last = month_bounds(MONTH)
    days = (last - first).days + 1
    per_day, rest = divmod(BIG, days)
    for offset in range(days):
        n = per_day + (1 if offset < rest else 0)
        at = datetime(MONTH.year, MONTH.month, offset + 1, 12, tzinfo=timezone.utc)
        for form, share in (("contact", n - n // 4), ("quote", n // 4)):
            counts = submission_counts(hour=12, spam=False)
            counts = {name: share for name in counts}
            counts.update({f"page:client-a.example/landing-{i}": share // 5 + (1 if i < share % 5 else 0)
                           for i in range(5)})
            counters_add(tenant_id=tenant.id, at=at, shard=0, counts=counts, form_key=form, site_id=site_a.id)
    # 60,000 of them worked, as the lead services count them: on one counter item of the site
    # and month (35,000 won, 20,000 lost, 5,000 answered: 4,000 within 15 min, 1,000 in 3 h).
    counts = {"WON": 35_000, "LOST": 20_000, "REPLIED": 5_000, RESPONSES: 5_000,
              RESPONSE_SECONDS: 4_000 * 600 + 1_000 * 3 * 3600, bucket_of(600): 4_000, bucket_of(3 * 3600): 1_000}
    arrived = datetime(MONTH.year, MONTH.month, 2, tzinfo=timezone.utc)
    transact([lead_counter_action(tenant_id=tenant.id, received_at=arrived, site_id=site_a.id, counts=counts)])
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([site_a.id]))
    requests_seen.clear()
    report = report_build(tenant=tenant, subject=subject, month=MONTH)
    assert report.current.submissions == BIG + 4
    assert sum(row.current for row in report.pages) == BIG + 4
    assert {row.label: row.current for row in report.forms}["quote"] == sum(
        (per_day + (1 if o < rest else 0)) // 4 for o in range(days)) + 1
    outcomes = {row.label: row.current for row in report.outcome_rows}
    assert (outcomes["Won"], outcomes["Lost"], outcomes["Still open"]) == (
        35_000, 20_000, BIG + 4 - 55_000)
    assert (outcomes["Replied to"], outcomes["Median time to first response"]) == (5_000, 900)
    tables = set().union(*(t for _, t in requests_seen))
    assert Submission.Meta.table_name not in tables
    # The day counters and the lead counters: two Queries of the metrics table, nothing else.
    assert [op for op, _ in requests_seen] == ["Query", "Query"] and tables == {DailyMetrics.Meta.table_name}
    # Two Queries of small items: a few read units, whatever the number of submissions.
    assert 0 < report.read_units <= 10
    print(f"\nreport read units: {report.read_units} for {BIG + 4} submissions")
