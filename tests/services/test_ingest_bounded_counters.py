"""No input makes one DynamoDB item grow without bound (issue 10): per-form counts live on small
form items, a site's distinct forms of a day are capped (later new ids count as "(other)"),
spam expires after 30 days and is capped per site and day."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from portal.dynamo.metrics import OTHER_FORMS, day_counts_between
from portal.selectors.access import access_submission
from portal.selectors.submissions import SubmissionFilters, submission_list
from portal.services.ingest.store import submission_ingest
from portal.services.submissions import submission_mark_spam
from tests.factories.accounts import make_product, make_tenant

NOW = datetime(2030, 3, 14, 9, 30, tzinfo=timezone.utc)
DAY = "2030-03-14"


def _ingest(tenant, form_id, *, spam=False, site_id="site-1"):
    return submission_ingest(tenant=tenant, site_id=site_id, form_id=form_id, fields={"a": "b"}, meta={},
                             spam=spam, now=NOW)


def test_five_thousand_distinct_form_ids_and_ingest_still_works(ddb, settings):
    settings.INGEST_FORMS_PER_SITE_PER_DAY = 20
    tenant, _ = make_tenant(product=make_product(monthly_submissions=100_000))
    ids = [f"{n:05d}" + "x" * 95 for n in range(5000)]  # 100 characters each: 500 KB as attributes
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda form_id: _ingest(tenant, form_id), ids))
    last = _ingest(tenant, "contact")
    assert access_submission(tenant=tenant, submission_id=last.submission_id, now=NOW).counted_form == OTHER_FORMS
    day = day_counts_between(tenant_id=tenant.id, first_day=DAY, last_day=DAY)[DAY]
    assert day.submissions == 5001
    assert len(day.forms) == 21 and day.forms[OTHER_FORMS] == 5001 - 20


def test_a_known_form_keeps_its_name_and_other_sites_have_their_own_budget(ddb, settings):
    settings.INGEST_FORMS_PER_SITE_PER_DAY = 2
    tenant, _ = make_tenant()
    for form_id in ("a", "b", "c", "a", "d"):
        _ingest(tenant, form_id)
    _ingest(tenant, "c", site_id="site-2")
    day = day_counts_between(tenant_id=tenant.id, first_day=DAY, last_day=DAY)[DAY]
    assert day.forms == {"a": 2, "b": 1, OTHER_FORMS: 2, "c": 1}


def test_marking_an_other_form_submission_as_spam_moves_the_other_count(ddb, settings):
    settings.INGEST_FORMS_PER_SITE_PER_DAY = 1
    tenant, user = make_tenant()
    _ingest(tenant, "a")
    counted_as_other = access_submission(tenant=tenant, submission_id=_ingest(tenant, "b").submission_id, now=NOW)
    submission_mark_spam(tenant=tenant, actor=user.email, submission=counted_as_other, spam=True)
    day = day_counts_between(tenant_id=tenant.id, first_day=DAY, last_day=DAY)[DAY]
    assert (day.submissions, day.spam, day.forms) == (1, 1, {"a": 1, OTHER_FORMS: 0})


def test_spam_expires_after_thirty_days_whatever_the_plan_keeps(ddb):
    tenant, _ = make_tenant(product=make_product(retention_days=365))
    spam = access_submission(tenant=tenant, submission_id=_ingest(tenant, "a", spam=True).submission_id, now=NOW)
    kept = access_submission(tenant=tenant, submission_id=_ingest(tenant, "a").submission_id, now=NOW)
    assert spam.ttl == NOW + timedelta(days=30) and kept.ttl == NOW + timedelta(days=365)


def test_spam_beyond_the_sites_daily_cap_is_answered_but_not_stored(ddb, settings):
    settings.INGEST_SPAM_PER_SITE_PER_DAY = 3
    tenant, _ = make_tenant()
    results = [_ingest(tenant, "a", spam=True) for _ in range(5)]
    other_site = _ingest(tenant, "a", spam=True, site_id="site-2")
    assert [r.dropped for r in results] == [False, False, False, True, True] and not other_site.dropped
    stored = submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100, now=NOW).items
    assert len(stored) == 4
    assert day_counts_between(tenant_id=tenant.id, first_day=DAY, last_day=DAY)[DAY].spam == 4
