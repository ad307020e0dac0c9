"""The lead inbox's services on DynamoDB Local: conditional state changes, assignment e-mails,
notes with their 15-minute edit window, replies from the portal, bulk actions and the
per-month counters the reports read."""
from datetime import datetime, timedelta, timezone

import pytest
from django.core import mail

from portal.dynamo.users import CLIENT, MEMBER, PortalUser
from portal.errors import ConcurrentEdit, FieldErrors, NotFound
from portal.selectors.access import access_submission
from portal.selectors.leads import lead_inbox_counts, lead_month_stats, lead_notes, lead_state_totals
from portal.selectors.submissions import SubmissionFilters, submission_list
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.services.leads.notes import NoteRefused, lead_note_add, lead_note_edit, lead_reply
from portal.services.leads.rules import StateRefused
from portal.services.leads.work import (BULK_MAX, LeadRefused, lead_bulk, lead_client_rights_set,
                                        lead_email_preference_set, lead_update)
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission


def _user(tenant, owner, email, role=MEMBER, sites=()):
    user = team_invite(tenant=tenant, actor=owner, email=email, role=role, site_ids=[s.id for s in sites])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    return PortalUser.lookup_for_login(email)


@pytest.fixture
def team(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="a.example"), make_site(tenant, domain="b.example")
    member = _user(tenant, owner, "member@agency.example")
    client = _user(tenant, owner, "client@a.example", role=CLIENT, sites=[site_a])
    sub = make_submission(tenant, site_id=site_a.id, fields={"email": "ann@buyer.example", "msg": "Quote please"})
    mail.outbox.clear()  # the invitations
    return tenant, owner, member, client, site_a, site_b, sub


def _fresh(tenant, submission_id):
    return access_submission(tenant=tenant, submission_id=submission_id)


def test_a_submission_arrives_new_and_opening_it_changes_nothing(team):
    tenant, _owner, _member, _client, _a, _b, sub = team
    submission = _fresh(tenant, sub)
    assert submission.lead_state == "NEW" and submission.leadVersion is None and submission.assignee is None


def test_state_change_is_conditional_the_second_writer_gets_concurrent_edit_and_sees_the_first(team):
    tenant, owner, member, _client, _a, _b, sub = team
    first, second = _fresh(tenant, sub), _fresh(tenant, sub)
    lead_update(tenant=tenant, actor=owner, submission=first, expected_version=0, state="WON")
    with pytest.raises(ConcurrentEdit):
        lead_update(tenant=tenant, actor=member, submission=second, expected_version=0, state="LOST")
    stored = _fresh(tenant, sub)
    assert (stored.lead_state, stored.lead_version, stored.leadChangedBy) == ("WON", 1, owner.email)
    # The stale copy alone (same version the actor saw, someone moved on) is refused too.
    with pytest.raises(ConcurrentEdit):
        lead_update(tenant=tenant, actor=member, submission=second, state="LOST")
    assert _fresh(tenant, sub).lead_state == "WON"


def test_a_lead_never_goes_back_to_new_and_a_refused_move_writes_nothing(team):
    tenant, owner, *_rest, sub = team
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), state="OPEN")
    with pytest.raises(StateRefused):
        lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), state="NEW")
    with pytest.raises(FieldErrors):
        lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), state="MAYBE")
    assert _fresh(tenant, sub).lead_version == 1


def test_assignment_emails_the_assignee_with_a_link_unless_they_turned_it_off(team, settings):
    tenant, owner, member, _client, _a, _b, sub = team
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), assignee=member.email)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email] and f"/submissions/{sub}/" in message.body
    assert settings.SITE_URL in message.body
    assert lead_inbox_counts(tenant=tenant, email=member.email) == {"NEW": 1, "OPEN": 0}
    lead_email_preference_set(user=PortalUser.lookup_for_login(member.email), enabled=False)
    other = make_submission(tenant, site_id=sub and _fresh(tenant, sub).siteId)
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, other), assignee=member.email, state="OPEN")
    assert len(mail.outbox) == 1
    assert lead_inbox_counts(tenant=tenant, email=member.email) == {"NEW": 1, "OPEN": 1}
    page = submission_list(tenant=tenant, filters=SubmissionFilters(assignee=member.email))
    assert [s.id for s in page.items] == [sub, other]  # New first, then Open


def test_only_the_team_and_this_sites_clients_can_be_assignees(team):
    tenant, owner, _member, client, _a, site_b, sub = team
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), assignee=client.email)
    other_site = make_submission(tenant, site_id=site_b.id)
    with pytest.raises(FieldErrors):
        lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, other_site), assignee=client.email)
    with pytest.raises(FieldErrors):
        lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, other_site), assignee="who@else.example")
    assert _fresh(tenant, other_site).assignee is None


def test_notes_have_author_and_time_and_only_the_author_edits_them_for_15_minutes(team):
    tenant, owner, member, *_rest, sub = team
    now = datetime.now(timezone.utc)
    note = lead_note_add(tenant=tenant, actor=member, submission=_fresh(tenant, sub), body="Called, no answer", now=now)
    with pytest.raises(NoteRefused):
        lead_note_edit(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), note_id=note.id, body="mine now")
    lead_note_edit(tenant=tenant, actor=member, submission=_fresh(tenant, sub), note_id=note.id,
                   body="Called twice", now=now + timedelta(minutes=14))
    with pytest.raises(NoteRefused):
        lead_note_edit(tenant=tenant, actor=member, submission=_fresh(tenant, sub), note_id=note.id,
                       body="too late", now=now + timedelta(minutes=16))
    (stored,) = lead_notes(tenant=tenant, submission=_fresh(tenant, sub))
    assert (stored.body, stored.author, stored.editedAt is not None) == ("Called twice", member.email, True)
    with pytest.raises(FieldErrors):
        lead_note_add(tenant=tenant, actor=member, submission=_fresh(tenant, sub), body="   ")


def test_notes_leave_the_delivery_timeline_alone_and_go_with_the_submission(team):
    from portal.selectors.deliveries import delivery_timeline
    from portal.services.submissions import submission_delete

    tenant, owner, member, *_rest, sub = team
    lead_note_add(tenant=tenant, actor=member, submission=_fresh(tenant, sub), body="A note")
    assert delivery_timeline(tenant_id=tenant.id, submission_id=sub) == []
    submission_delete(tenant=tenant, actor=owner.email, submission=_fresh(tenant, sub))
    from portal.dynamo.leads import LeadNote
    assert LeadNote.of_submission(tenant.id, sub) == []


def test_a_reply_is_sent_from_the_agency_with_reply_to_the_user_recorded_and_moves_to_replied(team):
    tenant, _owner, member, *_rest, sub = team
    received = _fresh(tenant, sub).receivedAt
    lead_reply(tenant=tenant, actor=member, submission=_fresh(tenant, sub), subject="Your quote",
               body="Hello Ann, here it is.", now=received + timedelta(minutes=20))
    (message,) = mail.outbox
    assert message.to == ["ann@buyer.example"] and message.reply_to == [member.email]
    assert tenant.display_name in message.from_email
    stored = _fresh(tenant, sub)
    assert (stored.lead_state, stored.firstResponseSeconds) == ("REPLIED", 1200)
    (note,) = lead_notes(tenant=tenant, submission=stored)
    assert (note.kind, note.replyTo, note.body) == ("reply", "ann@buyer.example", "Hello Ann, here it is.")
    lead_reply(tenant=tenant, actor=member, submission=stored, subject="", body="Again",
               now=received + timedelta(hours=5))
    assert _fresh(tenant, sub).firstResponseSeconds == 1200  # the first reply's delay is kept
    (row,) = lead_month_stats(tenant=tenant, first_month=received.strftime("%Y-%m"),
                              last_month=received.strftime("%Y-%m"))
    assert row.first_responses == 1 and row.median_first_response_seconds == 1800
    assert row.states["REPLIED"] == 1 and row.states["NEW"] == 0


def test_a_client_works_leads_only_as_the_owner_allows(team):
    tenant, owner, _member, client, *_rest, sub = team
    client.tenant_site_scope = None
    tenant.site_scope = frozenset(client.siteIds)
    lead_update(tenant=tenant, actor=client, submission=_fresh(tenant, sub), state="OPEN")
    lead_note_add(tenant=tenant, actor=client, submission=_fresh(tenant, sub), body="We will call")
    with pytest.raises(LeadRefused):
        lead_reply(tenant=tenant, actor=client, submission=_fresh(tenant, sub), subject="", body="Hi")
    tenant.site_scope = None
    lead_client_rights_set(tenant=tenant, actor=owner, user=PortalUser.lookup_for_login(client.email), rights=["reply"])
    client = PortalUser.lookup_for_login(client.email)
    with pytest.raises(LeadRefused):
        lead_update(tenant=tenant, actor=client, submission=_fresh(tenant, sub), state="WON")
    lead_reply(tenant=tenant, actor=client, submission=_fresh(tenant, sub), subject="", body="Hi")
    assert len(mail.outbox) == 1


def test_counts_per_state_come_from_the_counters(team):
    tenant, owner, *_rest, sub = team
    site_id = _fresh(tenant, sub).siteId
    others = [make_submission(tenant, site_id=site_id) for _ in range(3)]
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, others[0]), state="WON")
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, others[1]), state="OPEN")
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, others[1]), state="LOST")
    totals = lead_state_totals(tenant=tenant)
    assert totals == {"NEW": 2, "OPEN": 0, "REPLIED": 0, "WON": 1, "LOST": 1, "CLOSED": 0}


def test_bulk_actions_are_bounded_and_skip_what_is_not_yours(team):
    tenant, owner, *_rest, sub = team
    other_tenant, _ = make_tenant()
    foreign = make_submission(other_tenant)
    result = lead_bulk(tenant=tenant, actor=owner, submission_ids=[sub, foreign], action="archive")
    assert (result.changed, len(result.refused)) == (1, 1)
    assert _fresh(tenant, sub).archived is True
    with pytest.raises(NotFound):
        access_submission(tenant=tenant, submission_id=foreign)
    assert not access_submission(tenant=other_tenant, submission_id=foreign).archived
    with pytest.raises(FieldErrors):
        lead_bulk(tenant=tenant, actor=owner, submission_ids=[f"id{i}" for i in range(BULK_MAX + 1)], action="star")
    page = submission_list(tenant=tenant, filters=SubmissionFilters())
    assert sub not in [s.id for s in page.items]  # archived leads leave the default list
    page = submission_list(tenant=tenant, filters=SubmissionFilters(archived="yes"))
    assert [s.id for s in page.items] == [sub]


def test_a_privacy_export_includes_the_notes_and_an_erase_removes_them(team):
    import json

    from portal.dynamo.leads import LeadNote
    from portal.services.compliance.privacy import privacy_erase_request, privacy_export_chunks, privacy_job_step

    tenant, owner, member, *_rest, sub = team
    lead_note_add(tenant=tenant, actor=member, submission=_fresh(tenant, sub), body="Ann prefers calls after 5")
    exported = json.loads("".join(privacy_export_chunks(tenant=tenant, actor=owner.email, email="ann@buyer.example")))
    (record,) = exported["submissions"]
    assert [n["body"] for n in record["notes"]] == ["Ann prefers calls after 5"]
    job = privacy_erase_request(tenant=tenant, actor=owner.email, email="ann@buyer.example")
    privacy_job_step(job=job)
    assert LeadNote.of_submission(tenant.id, sub) == []


def test_of_many_concurrent_changes_from_one_version_exactly_one_lands_and_counts_once(team):
    from concurrent.futures import ThreadPoolExecutor

    tenant, owner, *_rest, sub = team
    wanted = ["OPEN", "WON", "LOST", "CLOSED", "REPLIED", "WON", "LOST", "OPEN"]

    def change(state):
        try:
            lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub), expected_version=0, state=state)
            return state
        except ConcurrentEdit:
            return None

    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        landed = [state for state in pool.map(change, wanted) if state]
    assert len(landed) == 1
    stored = _fresh(tenant, sub)
    assert (stored.lead_state, stored.lead_version) == (landed[0], 1)
    totals = lead_state_totals(tenant=tenant)
    assert totals[landed[0]] == 1 and sum(v for k, v in totals.items() if k != "NEW") == 1
