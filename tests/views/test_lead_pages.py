"""The lead inbox pages and API operations: what each role may do, the conditional change seen
from the page, and isolation (another tenant's ids, another site's ids: 404 and no change)."""
import json

import pytest
from django.core import mail
from django.test import Client

from portal.dynamo.users import CLIENT, MEMBER, PortalUser
from portal.selectors.access import access_submission
from portal.selectors.leads import lead_notes
from portal.services.accounts.api_tokens import SUBMISSIONS_READ, SUBMISSIONS_WRITE, api_token_create
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.services.leads.notes import lead_note_add
from portal.services.leads.work import lead_update
from tests.factories.accounts import PASSWORD, make_tenant, stored_items
from tests.factories.ingest import make_site, make_submission


def _user(tenant, owner, email, role=MEMBER, sites=()):
    user = team_invite(tenant=tenant, actor=owner, email=email, role=role, site_ids=[s.id for s in sites])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    return PortalUser.lookup_for_login(email)


def _signed_in(email):
    client = Client()
    assert client.post("/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def agency(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="shop-a.example"), make_site(tenant, domain="shop-b.example")
    member = _user(tenant, owner, "member@agency.example")
    client_a = _user(tenant, owner, "client@shop-a.example", role=CLIENT, sites=[site_a])
    sub_a = make_submission(tenant, site_id=site_a.id, fields={"email": "ann@buyer.example", "msg": "A quote?"})
    sub_b = make_submission(tenant, site_id=site_b.id, fields={"email": "bob@buyer.example", "msg": "B quote?"})
    lead_note_add(tenant=tenant, actor=owner, submission=access_submission(tenant=tenant, submission_id=sub_b),
                  body="Site B's private note")
    mail.outbox.clear()
    return tenant, owner, member, client_a, site_a, site_b, sub_a, sub_b


def _fresh(tenant, submission_id):
    return access_submission(tenant=tenant, submission_id=submission_id)


def _lead_posts(submission_id):
    return [(f"/submissions/{submission_id}/lead/", {"version": "0", "state": "WON"}),
            (f"/submissions/{submission_id}/notes/", {"body": "sneaky"}),
            (f"/submissions/{submission_id}/reply/", {"subject": "x", "body": "sneaky"}),
            ("/leads/bulk/", {"ids": [submission_id], "action": "archive"})]


def test_the_owner_opens_a_lead_by_button_and_a_stale_page_is_told_and_changes_nothing(agency):
    tenant, owner, member, _client_a, _a, _b, sub_a, _sub_b = agency
    owner_client = _signed_in(owner.email)
    page = owner_client.get(f"/submissions/{sub_a}/").content.decode()
    assert 'data-testid="lead-state">New<' in page and "Open it" in page
    assert _fresh(tenant, sub_a).lead_state == "NEW"  # viewing it changed nothing
    assert owner_client.post(f"/submissions/{sub_a}/lead/", {"version": "0", "state": "OPEN"}).status_code == 302
    assert _fresh(tenant, sub_a).lead_state == "OPEN"
    member_client = _signed_in(member.email)
    answer = member_client.post(f"/submissions/{sub_a}/lead/", {"version": "0", "state": "LOST"}, follow=True)
    assert "Someone else changed this lead meanwhile" in answer.content.decode()
    assert _fresh(tenant, sub_a).lead_state == "OPEN"


def test_the_list_shows_new_in_bold_counts_per_state_and_filters_by_state_and_assignee(agency):
    tenant, owner, member, _client_a, _a, _b, sub_a, sub_b = agency
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub_a), state="WON", assignee=member.email)
    page = _signed_in(owner.email).get("/submissions/").content.decode()
    assert page.count('class="lead-new"') == 1  # sub_b is New
    assert '<span class="badge badge-lead-won">Won</span> 1' in page
    assert '<span class="badge badge-lead-new">New</span> 1' in page
    won = _signed_in(owner.email).get("/submissions/", {"state": "WON"}).content.decode()
    assert sub_a in won and sub_b not in won
    mine = _signed_in(member.email).get("/leads/mine/", follow=True).content.decode()
    assert sub_a in mine and sub_b not in mine


def test_assigned_to_me_in_the_navigation_counts_new_and_open(agency):
    tenant, owner, member, _client_a, _a, _b, sub_a, sub_b = agency
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub_a), assignee=member.email)
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub_b), assignee=member.email, state="WON")
    page = _signed_in(member.email).get("/").content.decode()
    assert 'data-testid="nav-mine">Assigned to me <span class="badge badge-count" title="New and Open">1</span>' in page


def test_bulk_actions_change_the_selected_and_are_audited(agency):
    tenant, owner, _member, _client_a, _a, _b, sub_a, sub_b = agency
    answer = _signed_in(owner.email).post("/leads/bulk/", {"ids": [sub_a, sub_b], "action": "state", "state": "CLOSED"},
                                          follow=True)
    assert "2 changed" in answer.content.decode()
    assert {_fresh(tenant, s).lead_state for s in (sub_a, sub_b)} == {"CLOSED"}


def test_another_tenant_gets_404_on_every_lead_url_and_changes_nothing(agency):
    _tenant, _owner, _member, _client_a, _a, _b, sub_a, _sub_b = agency
    _other, other_owner = make_tenant()
    intruder = _signed_in(other_owner.email)
    before = stored_items()
    assert intruder.get(f"/submissions/{sub_a}/reply/").status_code == 404
    for path, data in _lead_posts(sub_a):
        answer = intruder.post(path, data)
        if path == "/leads/bulk/":
            assert answer.status_code == 302  # a bulk action reports "not found" for each foreign id
        else:
            assert answer.status_code == 404, path
    after = stored_items()
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert mail.outbox == []


def test_a_client_sees_its_sites_leads_with_notes_and_gets_404_for_another_sites(agency):
    tenant, owner, _member, client_a, _a, _b, sub_a, sub_b = agency
    lead_note_add(tenant=tenant, actor=owner, submission=_fresh(tenant, sub_a), body="Owner's note on A")
    client = _signed_in(client_a.email)
    page = client.get(f"/submissions/{sub_a}/").content.decode()
    assert "Owner&#x27;s note on A" in page and 'data-testid="lead-state">New<' in page
    listing = client.get("/submissions/").content.decode()
    assert sub_a in listing and sub_b not in listing
    before = stored_items()
    assert client.get(f"/submissions/{sub_b}/").status_code == 404
    assert client.get(f"/submissions/{sub_b}/reply/").status_code == 404
    for path, data in _lead_posts(sub_b):
        answer = client.post(path, data)
        assert answer.status_code == (302 if path == "/leads/bulk/" else 404), path
    after = stored_items()
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_a_client_changes_state_and_notes_by_default_but_replies_only_when_allowed(agency):
    tenant, owner, _member, client_a, _a, _b, sub_a, _sub_b = agency
    client = _signed_in(client_a.email)
    client.post(f"/submissions/{sub_a}/lead/", {"version": "0", "state": "OPEN"})
    client.post(f"/submissions/{sub_a}/notes/", {"body": "We'll call her"})
    assert _fresh(tenant, sub_a).lead_state == "OPEN"
    assert [n.body for n in lead_notes(tenant=tenant, submission=_fresh(tenant, sub_a))] == ["We'll call her"]
    refused = client.post(f"/submissions/{sub_a}/reply/", {"subject": "Hi", "body": "Hello"})
    assert "may not reply" in refused.content.decode() and mail.outbox == []
    owner_client = _signed_in(owner.email)
    assert owner_client.post("/leads/settings/", {"form": "client", "email": client_a.email,
                                                  "rights": ["notes", "reply"]}).status_code == 302
    client.post(f"/submissions/{sub_a}/reply/", {"subject": "Hi", "body": "Hello Ann"})
    assert [m.to for m in mail.outbox] == [["ann@buyer.example"]] and mail.outbox[0].reply_to == [client_a.email]
    client.post(f"/submissions/{sub_a}/lead/", {"version": "2", "state": "WON"}, follow=True)
    assert _fresh(tenant, sub_a).lead_state == "REPLIED"  # state is no longer the client's to change


def test_a_member_cannot_set_client_rights(agency):
    tenant, _owner, member, client_a, *_rest = agency
    answer = _signed_in(member.email).post("/leads/settings/", {"form": "client", "email": client_a.email,
                                                                 "rights": ["reply"]})
    assert answer.status_code == 403
    assert PortalUser.lookup_for_login(client_a.email).leadRights is None


def _api(tenant, *scopes):
    _token, raw = api_token_create(tenant=tenant, actor="tests", label="leads", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_patches_a_lead_conditionally_and_adds_and_lists_notes(agency):
    tenant, owner, member, _client_a, _a, _b, sub_a, _sub_b = agency
    headers = _api(tenant, SUBMISSIONS_READ, SUBMISSIONS_WRITE)
    api = Client()
    answer = api.patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "OPEN", "assignee": member.email}),
                       content_type="application/json", **headers)
    assert answer.status_code == 200
    assert answer.json()["lead"] | {"changed_at": None} == {
        "state": "OPEN", "assignee": member.email, "starred": False, "archived": False, "version": 1,
        "changed_at": None, "first_response_seconds": None}
    stale = api.patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "LOST", "version": 0}),
                      content_type="application/json", **headers)
    assert stale.status_code == 409 and _fresh(tenant, sub_a).lead_state == "OPEN"
    back = api.patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "NEW"}), content_type="application/json",
                     **headers)
    assert back.status_code == 409
    bad = api.patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "DONE"}), content_type="application/json",
                    **headers)
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    added = api.post(f"/api/v1/submissions/{sub_a}/notes", json.dumps({"body": "From the CRM"}),
                     content_type="application/json", **headers)
    assert added.status_code == 201 and added.json()["author"].startswith("api-token:")
    listed = api.get(f"/api/v1/submissions/{sub_a}/notes", **headers).json()["data"]
    assert [n["body"] for n in listed] == ["From the CRM"]
    by_state = api.get("/api/v1/submissions", {"state": "OPEN"}, **headers).json()["data"]
    assert [s["id"] for s in by_state] == [sub_a]
    by_assignee = api.get("/api/v1/submissions", {"assignee": member.email}, **headers).json()["data"]
    assert [s["id"] for s in by_assignee] == [sub_a]


def test_the_api_needs_the_write_scope_to_change_a_lead(agency):
    tenant, *_rest, sub_a, _sub_b = agency
    headers = _api(tenant, SUBMISSIONS_READ)
    answer = Client().patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "OPEN"}),
                            content_type="application/json", **headers)
    assert answer.status_code == 403 and _fresh(tenant, sub_a).lead_state == "NEW"


def test_another_tenants_api_token_gets_404_on_every_lead_operation_and_changes_nothing(agency):
    tenant, *_rest, sub_a, _sub_b = agency
    other, _ = make_tenant()
    headers = _api(other, SUBMISSIONS_READ, SUBMISSIONS_WRITE)
    api = Client()
    before = stored_items()
    answers = [api.patch(f"/api/v1/submissions/{sub_a}", json.dumps({"state": "WON"}),
                         content_type="application/json", **headers),
               api.get(f"/api/v1/submissions/{sub_a}/notes", **headers),
               api.post(f"/api/v1/submissions/{sub_a}/notes", json.dumps({"body": "x"}),
                        content_type="application/json", **headers)]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert api.get("/api/v1/submissions", {"state": "NEW"}, **headers).json()["data"] == []
    after = stored_items()
    assert {k: v for k, v in after.items() if k not in ("audit", "api_tokens")} == {
        k: v for k, v in before.items() if k not in ("audit", "api_tokens")}


def test_exports_carry_state_and_assignee(agency):
    tenant, owner, member, _client_a, _a, _b, sub_a, _sub_b = agency
    lead_update(tenant=tenant, actor=owner, submission=_fresh(tenant, sub_a), state="WON", assignee=member.email)
    response = _signed_in(owner.email).get("/submissions/export.csv", {"state": "WON"})
    text = b"".join(response.streaming_content).decode()
    header, row = text.splitlines()[:2]
    assert header.endswith("state,assignee,msg,email,other_fields,files") or "state,assignee" in header
    assert f"WON,{member.email}" in row and sub_a in row
