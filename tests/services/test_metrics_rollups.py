"""Month rollups (per tenant and per site) written behind the requests with the day counters:
they always agree with the day items, bound the forms they name, cost a fixed number of
writes per flush however many ingests it carries, and `manage.py metrics_rollups` finds and
repairs a rollup that drifted from its day items."""
from datetime import date, datetime, timezone

import pytest
from django.core.management import call_command

from portal.dynamo import rollups
from portal.dynamo.connection import capacity
from portal.dynamo.metrics import OTHER_FORMS
from portal.dynamo.rollups import month_counts, rollup_add, rollups_get
from portal.selectors.metrics import dashboard_summary, month_rollup_report, site_usage_month
from portal.selectors.access import access_submission
from portal.services.ingest import store as ingest
from portal.services.metrics_rollups import rollups_drift
from portal.services.submissions import submission_mark_spam
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_site, make_submission

NOW = datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc)
MONTH = date(2030, 3, 1)


def _month_item(tenant, site_id=None, month="2030-03"):
    return month_counts([rollups_get(tenant_id=tenant.id, months=[month], sites=[site_id])[(month, site_id)]])


def test_ingests_spam_and_a_spam_flip_keep_the_rollups_equal_to_the_day_items(ddb, settings):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600  # only the test flushes
    tenant, user = make_tenant()
    site_a, site_b = make_site(tenant), make_site(tenant)
    ids = [make_submission(tenant, site_id=site_a.id, form_id="contact", now=NOW),
           make_submission(tenant, site_id=site_a.id, form_id="quote", now=NOW.replace(hour=7)),
           make_submission(tenant, site_id=site_b.id, form_id="contact", now=NOW.replace(day=2))]
    make_submission(tenant, site_id=site_b.id, form_id="contact", spam=True, now=NOW)
    ingest.counters_flush()
    submission_mark_spam(tenant=tenant, actor=user.email, submission=access_submission(tenant=tenant,
                         submission_id=ids[1]), spam=True)
    assert rollups_drift(tenant_id=tenant.id, month=MONTH) == []
    whole, a = _month_item(tenant), _month_item(tenant, site_a.id)
    assert (whole.submissions, whole.spam, whole.forms) == (2, 2, {"contact": 2, "quote": 0})
    assert (a.submissions, a.spam, a.day(NOW.date())) == (1, 1, {"submissions": 1, "spam": 1, "delivered": 0,
                                                                 "failed": 0})
    assert whole.hours == {"10": 2, "07": 0}
    report = month_rollup_report(tenant_id=tenant.id, month=MONTH, site_ids=[site_b.id])
    assert (report.total.submissions, report.total.spam, report.total.forms) == (1, 1, [("contact", 1)])
    assert report.total.days[1] == (date(2030, 3, 2), 1, 0) and len(report.total.days) == 31
    usage = site_usage_month(tenant=tenant, today=NOW.date())
    assert {s: (u.submissions, u.spam) for s, u in usage.items()} == {site_a.id: (1, 1), site_b.id: (1, 1)}
    summary = dashboard_summary(tenant=tenant, today=NOW.date())
    assert (summary.total, summary.spam, summary.plan.usage.submissions) == (2, 2, 2)


def test_a_month_item_names_a_bounded_number_of_forms_and_counts_the_rest_as_other(ddb, settings, monkeypatch):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 0  # each ingest flushes as it ends
    monkeypatch.setattr(rollups, "MONTH_FORMS", 2)
    tenant, _ = make_tenant()
    for n in [0, 1, 2, 3, 4, 4]:
        make_submission(tenant, form_id=f"form-{n}", now=NOW)
    assert _month_item(tenant).forms == {"form-0": 1, "form-1": 1, OTHER_FORMS: 4}  # the first two, by arrival
    assert rollups_drift(tenant_id=tenant.id, month=MONTH) != []  # a rebuild names the busiest two
    call_command("metrics_rollups", "--month", "2030-03", "--tenant", tenant.id)
    assert _month_item(tenant).forms == {"form-4": 2, "form-0": 1, OTHER_FORMS: 3}


def test_a_flush_writes_the_same_requests_for_one_ingest_or_twenty(ddb, settings, monkeypatch):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600
    tenant, _ = make_tenant()
    site = make_site(tenant)
    answers = []
    real = capacity.Meter.add_answer
    monkeypatch.setattr(capacity.Meter, "add_answer", lambda self, **kw: answers.append(kw) or real(self, **kw))

    def flush_cost(n):
        for _ in range(n):
            make_submission(tenant, site_id=site.id, now=NOW)
        answers.clear()
        with capacity.metered():  # every answer reaches a meter (the rollups' own one included)
            ingest.counters_flush()
        return (sorted(a["operation"] for a in answers),
                sum(float(a["consumed"].get("CapacityUnits", 0)) for a in answers))

    flush_cost(1)  # the first flush of a month names the form on the month items
    one, one_units = flush_cost(1)
    twenty, twenty_units = flush_cost(20)
    # the form item, the tenant's month item, the site's month item, the cost row, the platform row
    assert one == twenty == ["UpdateItem"] * 5
    assert one_units == twenty_units <= 7  # 1 each, the cost row's index entry 1 more


def test_the_command_finds_a_drifted_rollup_and_rebuilds_it_from_the_day_items(ddb, settings, capsys):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 0
    tenant, _ = make_tenant()
    site = make_site(tenant)
    for _ in range(3):
        make_submission(tenant, site_id=site.id, now=NOW)
    rollup_add(tenant_id=tenant.id, month="2030-03", site_id=site.id, counts={"submissions": 7, "s14": 7})
    with pytest.raises(SystemExit) as exit_status:
        call_command("metrics_rollups", "--month", "2030-03", "--check")
    assert exit_status.value.code == 1 and f"site {site.id}" in capsys.readouterr().out
    assert _month_item(tenant, site.id).submissions == 10  # --check changed nothing
    call_command("metrics_rollups", "--month", "2030-03")
    assert rollups_drift(tenant_id=tenant.id, month=MONTH) == []
    assert _month_item(tenant, site.id).submissions == 3 and _month_item(tenant).submissions == 3
