"""Client reports from the day counters (DynamoDB Local): a client's figures hold only its
sites, each beside the month before; pages are counted within their bound; the settings and
the opt-out change only what they should."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.core import mail

from portal.dynamo.users import CLIENT, PortalUser
from portal.errors import ConcurrentEdit, NotFound
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.access import access_submission
from portal.selectors.reports.figures import previous_month, report_build
from portal.selectors.reports.settings import report_recipients, report_settings
from portal.selectors.reports.subjects import access_report_subject, client_key_for, report_subjects
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.services.ingest.counters import counted_page
from portal.services.leads.notes import lead_reply
from portal.services.leads.work import lead_update
from portal.services.reports.settings import (
    InvalidReportSettings,
    report_opt_set,
    report_settings_update,
    unsubscribe_token,
    unsubscribe_token_read,
)
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission
from tests.factories.reports import site_report_key

TODAY = datetime.now(timezone.utc).date()
MONTH = previous_month(TODAY)  # the last complete month
BEFORE = previous_month(MONTH)


def at(month, day, hour=10):
    return datetime(month.year, month.month, day, hour, tzinfo=timezone.utc)


def client_user(tenant, owner, email, sites):
    user = team_invite(tenant=tenant, actor=owner, email=email, role=CLIENT, site_ids=[s.id for s in sites])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    return PortalUser.lookup_for_login(email)


def ingest(tenant, site, month, day, *, form="contact", page=None, spam=False, n=1):
    for _ in range(n):
        make_submission(tenant, site_id=site.id, form_id=form, spam=spam, now=at(month, day),
                        meta={"page_url": page} if page else {})


@pytest.fixture
def agency(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="client-a.example"), make_site(tenant, domain="client-b.example")
    ingest(tenant, site_a, MONTH, 3, page="https://www.client-a.example/contact/?utm=x#top", n=2)
    ingest(tenant, site_a, MONTH, 10, page="https://client-a.example/pricing")
    ingest(tenant, site_a, MONTH, 10, form="quote")
    ingest(tenant, site_a, MONTH, 11, spam=True)
    ingest(tenant, site_b, MONTH, 3, n=5, page="https://client-b.example/b-only")
    ingest(tenant, site_a, BEFORE, 5, n=2, page="https://client-a.example/contact")
    ann = client_user(tenant, owner, "ann@client-a.example", [site_a])
    return tenant, owner, site_a, site_b, ann


def test_a_clients_report_holds_only_its_sites_beside_the_month_before(agency):
    tenant, _owner, site_a, _site_b, _ann = agency
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([site_a.id]))
    report = report_build(tenant=tenant, subject=subject, month=MONTH)
    assert report.complete and report.month == MONTH
    assert (report.current.submissions, report.current.spam, report.previous.submissions) == (4, 1, 2)
    headline = {row.label: row for row in report.headline}
    assert headline["Submissions"].change == 100.0 and headline["Submissions"].change_text == "+100%"
    assert headline["Spam caught"].change_text == "new"
    assert [(r.label, r.current, r.previous, r.change) for r in report.forms] == [
        ("contact", 3, 2, 50.0), ("quote", 1, 0, None)]
    # Pages: host (no www.) and path, without query or fragment; a submission without a page is "other".
    assert [(r.label, r.current, r.previous) for r in report.pages] == [
        ("client-a.example/contact", 2, 2), ("client-a.example/pricing", 1, 0), ("Other pages, or no page given", 1, 0)]
    assert [(r.label, r.current, r.previous) for r in report.sites] == [("client-a.example", 4, 2)]
    days = {day.day: (n, spam) for day, n, spam in report.current.days}
    assert len(report.current.days) == len(days) and days[3] == (2, 0) and days[10] == (2, 0) and days[11] == (0, 1)
    assert "b-only" not in str([r.label for r in report.pages])
    # Every submission is a lead: none worked yet, so all are still open (spam is no lead).
    assert [(r.label, r.current, r.previous) for r in report.outcome_rows] == [
        ("Won", 0, 0), ("Lost", 0, 0), ("Closed", 0, 0), ("Still open", 4, 2),
        ("Replied to", 0, 0), ("Median time to first response", None, None)]


@pytest.fixture
def worked(agency):
    """Leads worked with the lead services: in the month, on site A two won, two lost, one
    replied, four untouched; three of them answered after 20 min, 3 h and 3 days. On site B
    (another client's) one won and two answered after 10 min. The month before, on site A,
    one lead answered after 10 min and won."""
    tenant, owner, site_a, site_b, ann = agency

    def lead(site, month, day, *moves):
        sub = make_submission(tenant, site_id=site.id, fields={"email": "buyer@example.com"}, now=at(month, day))
        for move in moves:
            submission = access_submission(tenant=tenant, submission_id=sub, now=at(month, day, 11))  # not yet expired
            if isinstance(move, timedelta):
                lead_reply(tenant=tenant, actor=owner, submission=submission, subject="", body="Thanks, we are on it.",
                           now=submission.receivedAt + move)
            else:
                lead_update(tenant=tenant, actor=owner, submission=submission, state=move)

    lead(site_a, MONTH, 4, "WON")
    lead(site_a, MONTH, 4, "LOST")
    lead(site_a, MONTH, 5, timedelta(minutes=20))
    lead(site_a, MONTH, 6, timedelta(hours=3), "WON")
    lead(site_a, MONTH, 7, "OPEN", timedelta(days=3), "LOST")
    lead(site_b, MONTH, 4, timedelta(minutes=10), "WON")
    lead(site_b, MONTH, 5, timedelta(minutes=10))
    lead(site_a, BEFORE, 6, timedelta(minutes=10), "WON")
    mail.outbox.clear()  # the replies and invitations
    return agency


def test_a_report_shows_the_client_sites_lead_outcomes_and_median_first_response_beside_the_month_before(worked):
    tenant, owner, site_a, site_b, _ann = worked
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([site_a.id]))
    report = report_build(tenant=tenant, subject=subject, month=MONTH)
    rows = {row.label: row for row in report.outcome_rows}
    assert [(r.label, r.current, r.previous, r.change_text) for r in report.outcome_rows] == [
        ("Won", 2, 1, "+100%"), ("Lost", 2, 0, "new"), ("Closed", 0, 0, "–"),
        ("Still open", 5, 2, "+150%"), ("Replied to", 3, 1, "+200%"),
        ("Median time to first response", 4 * 3600, 900, "+1500%")]
    # Site B's won lead and its quick answers are another client's: not counted here.
    assert (report.current.outcomes["leads"], report.previous.outcomes["leads"]) == (9, 3)
    assert rows["Median time to first response"].current_text == "4 h"
    assert rows["Median time to first response"].previous_text == "15 min"

    # A client of both sites: the median is the combined histogram's (10 min, 10 min, 30 min,
    # 4 h, 4 days: 30 min), neither site's own median (4 h and 15 min).
    client_user(tenant, owner, "bob@client-ab.example", [site_a, site_b])
    tenant = tenant_get_or_none(tenant_id=tenant.id)
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([site_a.id, site_b.id]))
    rows = {row.label: row for row in report_build(tenant=tenant, subject=subject, month=MONTH).outcome_rows}
    assert (rows["Won"].current, rows["Replied to"].current, rows["Still open"].current) == (
        3, 5, 5 + 6)
    assert rows["Median time to first response"].current == 1800
    # Site B's own report: its leads alone.
    subject = access_report_subject(tenant=tenant, report_key=site_report_key(site_b))
    rows = {row.label: row for row in report_build(tenant=tenant, subject=subject, month=MONTH).outcome_rows}
    assert (rows["Won"].current, rows["Replied to"].current, rows["Median time to first response"].current) == (
        1, 2, 900)
    assert rows["Still open"].current == 6
    assert rows["Won"].previous == 0 and rows["Median time to first response"].previous is None


def test_the_running_month_is_a_preview_and_a_month_to_come_is_not_found(agency):
    tenant, _owner, site_a, _site_b, _ann = agency
    subject = access_report_subject(tenant=tenant, report_key=site_report_key(site_a))
    preview = report_build(tenant=tenant, subject=subject, month=TODAY)
    assert not preview.complete and preview.previous.submissions == 4
    with pytest.raises(NotFound):
        report_build(tenant=tenant, subject=subject, month=(TODAY.replace(day=28) + timedelta(days=5)))


def test_a_client_sees_its_own_report_only_and_another_tenant_none(agency):
    tenant, _owner, site_a, site_b, _ann = agency
    everyone = {s.key for s in report_subjects(tenant=tenant)}
    assert everyone == {client_key_for([site_a.id]), site_report_key(site_a), site_report_key(site_b)}
    tenant.site_scope = frozenset({site_a.id})
    assert [s.key for s in report_subjects(tenant=tenant)] == [client_key_for([site_a.id])]
    for key in (site_report_key(site_a), site_report_key(site_b)):
        with pytest.raises(NotFound):
            access_report_subject(tenant=tenant, report_key=key)
    other, _ = make_tenant()
    for key in everyone:
        with pytest.raises(NotFound):
            access_report_subject(tenant=other, report_key=key)


def test_settings_choose_sending_zone_and_addresses_and_bad_input_changes_nothing(agency):
    tenant, owner, site_a, _site_b, _ann = agency
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([site_a.id]))
    with pytest.raises(InvalidReportSettings):
        report_settings_update(tenant=tenant, actor=owner.email, subject=subject, version=tenant.version, send=True,
                               timezone="Mars/Olympus", extra_recipients=["boss@client-a.example"])
    with pytest.raises(InvalidReportSettings):
        report_settings_update(tenant=tenant, actor=owner.email, subject=subject, version=tenant.version, send=True,
                               timezone="UTC", extra_recipients=["not an address"])
    stored = tenant_get_or_none(tenant_id=tenant.id)
    assert stored.reportSettings is None
    report_settings_update(tenant=stored, actor=owner.email, subject=subject, version=stored.version, send=True,
                           timezone="Europe/Berlin", extra_recipients=["boss@client-a.example", "BOSS@client-a.example"])
    stored = tenant_get_or_none(tenant_id=tenant.id)
    choice = report_settings(tenant=stored, report_key=subject.key)
    assert (choice.send, choice.timezone, choice.extra_recipients) == (True, "Europe/Berlin", ["boss@client-a.example"])
    assert report_recipients(subject=subject, settings=choice) == ["ann@client-a.example", "boss@client-a.example"]
    with pytest.raises(ConcurrentEdit):  # a stale copy
        report_settings_update(tenant=tenant, actor=owner.email, subject=subject, version=tenant.version, send=False,
                               timezone="UTC", extra_recipients=[])


def test_a_recipient_opts_out_with_the_signed_link_and_only_a_recipient_can(agency):
    tenant, owner, site_a, _site_b, _ann = agency
    key = client_key_for([site_a.id])
    token = unsubscribe_token(tenant_id=tenant.id, report_key=key, email="Ann@client-a.example")
    assert unsubscribe_token_read(token) == (tenant.id, key, "ann@client-a.example")
    with pytest.raises(NotFound):
        unsubscribe_token_read(token[:-2] + "xx")
    report_opt_set(tenant_id=tenant.id, report_key=key, email="ann@client-a.example", opted_out=True, actor="ann")
    stored = tenant_get_or_none(tenant_id=tenant.id)
    subject = access_report_subject(tenant=stored, report_key=key)
    assert report_recipients(subject=subject, settings=report_settings(tenant=stored, report_key=key)) == []
    with pytest.raises(NotFound):  # not a recipient of this report: nothing stored for it
        report_opt_set(tenant_id=tenant.id, report_key=key, email="stranger@example.com", opted_out=True, actor="x")
    assert "stranger" not in str(tenant_get_or_none(tenant_id=tenant.id).reportSettings)
    report_opt_set(tenant_id=tenant.id, report_key=key, email="ann@client-a.example", opted_out=False, actor="ann")
    stored = tenant_get_or_none(tenant_id=tenant.id)
    assert report_settings(tenant=stored, report_key=key).opted_out == []


def test_pages_past_the_days_bound_count_as_other(ddb, settings):
    settings.INGEST_PAGES_PER_SITE_PER_DAY = 2
    tenant, _ = make_tenant()
    now = datetime(2031, 1, 5, 12, tzinfo=timezone.utc)
    keys = [counted_page(tenant_id=tenant.id, site_id="s1", page_url=f"https://a.example/p{i}", now=now)
            for i in range(4)]
    assert keys == ["a.example/p0", "a.example/p1", "(other)", "(other)"]
    assert counted_page(tenant_id=tenant.id, site_id="s1", page_url="https://a.example/p0", now=now) == "a.example/p0"
    assert counted_page(tenant_id=tenant.id, site_id="s2", page_url="https://a.example/p3", now=now) == "a.example/p3"
    assert counted_page(tenant_id=tenant.id, site_id="s1", page_url="javascript:alert(1)", now=now) is None
    assert len(mail.outbox) == 0
