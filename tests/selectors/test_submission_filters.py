"""The submissions list filtered by site and by delivery status (failed and partially
delivered read from the StatusIndex), combined with form, date and spam; each page reads at
most READS_PER_SOURCE DynamoDB pages per partition and the order across pages stays exact."""
from datetime import datetime, timedelta, timezone

import pynamodb.pagination
import pytest
from django.test import Client

from portal.dynamo.base import utcnow
from portal.selectors import submissions as selectors
from portal.selectors.access import access_submission
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import FakeClock, Receiver, make_destination
from tests.factories.ingest import make_site, make_submission
from tests.services.test_deliveries import _fail_completely

NOW = datetime(2030, 3, 14, 9, 30, tzinfo=timezone.utc)


def _all_pages(tenant, filters, *, limit, counter=None):
    seen, cursor, pages = [], None, 0
    while True:
        before = counter[0] if counter else 0
        page = submission_list(tenant=tenant, filters=filters, cursor=cursor, limit=limit, now=NOW)
        if counter:
            assert counter[0] - before <= selectors.READS_PER_SOURCE * max(1, int(tenant.shardCount))
        seen += [item.id for item in page.items]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            return seen, pages


@pytest.fixture
def query_pages(monkeypatch):
    """Counts DynamoDB Query pages read."""
    counter = [0]
    original = pynamodb.pagination.PageIterator.__next__

    def counting(self):
        counter[0] += 1
        return original(self)

    monkeypatch.setattr(pynamodb.pagination.PageIterator, "__next__", counting)
    return counter


@pytest.mark.parametrize("shards", [1, 3])
def test_a_rare_site_is_found_in_order_with_a_bounded_read_per_page(ddb, query_pages, shards):
    tenant, _ = make_tenant()
    tenant.shardCount = shards
    tenant.save()
    busy, rare = make_site(tenant), make_site(tenant)
    rare_ids = []
    for i in range(70):
        site = rare if i in (3, 40, 41, 66) else busy
        submission_id = make_submission(tenant, site_id=site.id, fields={"n": str(i)}, now=NOW + timedelta(seconds=i))
        if site is rare:
            rare_ids.append(submission_id)
    seen, pages = _all_pages(tenant, SubmissionFilters(site_id=rare.id), limit=5, counter=query_pages)
    assert seen == list(reversed(rare_ids))
    assert pages > 1  # the budget made it page through instead of reading everything at once
    everything, _ = _all_pages(tenant, SubmissionFilters(), limit=9)
    assert len(everything) == 70 and len(set(everything)) == 70


def test_site_status_form_and_spam_filters_combine(ddb):
    tenant, user = make_tenant()
    site_a, site_b = make_site(tenant), make_site(tenant)
    with Receiver(mode="fail") as receiver:
        destination = make_destination(tenant, user, url=receiver.url, form_ids=["contact"])
        failing = make_submission(tenant, site_id=site_a.id, form_id="contact")
        clock = FakeClock(utcnow() + timedelta(seconds=1))
        submission = access_submission(tenant=tenant, submission_id=failing)
        assert _fail_completely(submission, destination, clock).status == "failed"
    pending = make_submission(tenant, site_id=site_a.id, form_id="contact")
    undelivered = make_submission(tenant, site_id=site_a.id, form_id="newsletter")  # no destination takes it
    on_b = make_submission(tenant, site_id=site_b.id, form_id="contact")
    spam = make_submission(tenant, site_id=site_a.id, form_id="contact", spam=True)

    def ids(**filters):
        return {s.id for s in submission_list(tenant=tenant, filters=SubmissionFilters(**filters), limit=25).items}

    assert ids(status="failed") == {failing}
    assert ids(status="failed", site_id=site_b.id) == set()
    assert ids(status="failed", form_id="newsletter") == set()
    assert ids(status="pending", site_id=site_a.id) == {pending}
    assert ids(status="pending") == {pending, on_b}
    assert ids(status="no destination") == {undelivered}
    assert ids(site_id=site_a.id, form_id="contact") == {failing, pending}
    assert ids(site_id=site_a.id, form_id="contact", spam=SPAM_ALL) == {failing, pending, spam}
    day = utcnow().date()
    assert ids(status="failed", date_from=day, date_to=day) == {failing}
    assert ids(status="failed", date_from=day + timedelta(days=1)) == set()
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    page = client.get(f"/submissions/?site={site_a.id}&status=failed").content.decode()
    assert failing in page and pending not in page
    export = b"".join(client.get(f"/submissions/export.csv?site={site_b.id}").streaming_content).decode()
    assert on_b in export and pending not in export


def test_an_address_search_combines_with_the_form_spam_and_status_filters(ddb):
    tenant, _ = make_tenant()
    quote = make_submission(tenant, form_id="quote", fields={"email": "ada@example.com", "n": "1"})
    contact = make_submission(tenant, form_id="contact", fields={"email": "ada@example.com", "n": "2"})
    spam = make_submission(tenant, form_id="quote", fields={"email": "ada@example.com", "n": "3"}, spam=True)
    make_submission(tenant, form_id="quote", fields={"email": "bob@example.com"})

    def ids(**filters):
        seen, cursor = set(), None
        while True:
            page = submission_list(tenant=tenant, filters=SubmissionFilters(email="ada@example.com", **filters),
                                   cursor=cursor, limit=5)
            seen |= {item.id for item in page.items}
            if not (cursor := page.next_cursor):
                return seen

    assert ids() == {quote, contact}  # spam stays out by default, as in every other list
    assert ids(form_id="quote") == {quote}
    assert ids(form_id="quote", spam=SPAM_ALL) == {quote, spam}
    assert ids(status="no-such-status") == set()
    exported = {s.id for s in selectors.submission_iter(tenant=tenant, filters=SubmissionFilters(
        email="ada@example.com", form_id="contact"))}
    assert exported == {contact}


@pytest.mark.parametrize("shards", [1, 2])
def test_a_thinly_spread_site_fills_every_page_and_ends_without_an_empty_page(ddb, query_pages, shards):
    tenant, _ = make_tenant()
    tenant.shardCount = shards
    tenant.save()
    busy, thin = make_site(tenant), make_site(tenant)
    thin_ids = []
    for i in range(8 * 55):  # one submission in eight is the thin site's: 55 of 440
        site = thin if i % 8 == 0 else busy
        submission_id = make_submission(tenant, site_id=site.id, fields={"n": str(i)}, now=NOW + timedelta(seconds=i))
        if site is thin:
            thin_ids.append(submission_id)
    sizes, seen, cursor = [], [], None
    while True:
        before = query_pages[0]
        page = submission_list(tenant=tenant, filters=SubmissionFilters(site_id=thin.id), cursor=cursor, limit=25,
                               now=NOW)
        assert query_pages[0] - before <= selectors.READS_PER_SOURCE * shards
        sizes.append(len(page.items))
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sizes == [25, 25, 5]  # full pages, then what remains, and no empty page after it
    assert seen == list(reversed(thin_ids))


def test_a_page_that_spent_its_read_budget_says_so_and_searches_on(ddb):
    tenant, user = make_tenant()
    user.preferences.pageSize = 5  # a read budget of 50 items a page
    user.save()
    busy, rare = make_site(tenant), make_site(tenant)
    start = utcnow() - timedelta(hours=1)
    rare_id = make_submission(tenant, site_id=rare.id, now=start)
    for i in range(60):
        make_submission(tenant, site_id=busy.id, fields={"n": str(i)}, now=start + timedelta(seconds=i + 1))
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    first = client.get(f"/submissions/?site={rare.id}")
    assert first.status_code == 200
    body = first.content.decode()
    assert "None found yet" in body and "No submissions match these filters" not in body
    assert "Search older" in body and rare_id not in body
    older = first.context["page"].next_query
    following = client.get(f"/submissions/?{older}").content.decode()
    assert rare_id in following and "Search older" not in following
