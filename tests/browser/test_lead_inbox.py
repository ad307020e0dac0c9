"""The lead inbox in Chromium against gunicorn: an owner assigns a lead to a member (who is
e-mailed), the member finds it under "Assigned to me", replies from the portal (the e-mail goes
to the submitter with Reply-To the member) and marks it Won; a client of that site sees the
note and the state and gets 404 for another site's lead. And every role's walk through the
lead pages: each form a role is shown works for it.

SCREENSHOTS=dir saves each lead page at 1280 and 390 px wide."""
import os
from email import message_from_string
from pathlib import Path
from urllib.parse import urlparse

import pytest

from portal.dynamo.users import ADMIN, CLIENT, MEMBER, OWNER, PortalUser
from portal.selectors.access import access_submission
from portal.services.accounts.team import team_invite, team_role_change
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission

SHOTS = os.environ.get("SCREENSHOTS")


def _user(tenant, owner, email, role=MEMBER, sites=()):
    user = team_invite(tenant=tenant, actor=owner, email=email, role=CLIENT if role == CLIENT else MEMBER,
                       site_ids=[s.id for s in sites])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    if role == ADMIN:
        team_role_change(tenant=tenant, actor=owner, user_id=user.id, role=ADMIN)
    return PortalUser.lookup_for_login(email)


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def _mails(server_env) -> list:
    outbox = Path(server_env["EMAIL_FILE_PATH"])
    found = []
    for file in sorted(outbox.iterdir(), key=lambda f: f.stat().st_mtime) if outbox.exists() else []:
        for chunk in file.read_text().split("-" * 79):
            if chunk.strip():
                found.append(message_from_string(chunk.strip()))
    return found


def _shoot(page, name):
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def agency(ddb):
    tenant, owner = make_tenant(organization="Lead Agency")
    site_a, site_b = make_site(tenant, domain="bakery.example"), make_site(tenant, domain="garage.example")
    member = _user(tenant, owner, "mia@leadagency.example")
    client = _user(tenant, owner, "owner@bakery.example", role=CLIENT, sites=[site_a])
    lead = make_submission(tenant, site_id=site_a.id, fields={"name": "Ann Buyer", "email": "ann@buyer.example",
                                                              "message": "Could you bake 40 croissants on Friday?"})
    other = make_submission(tenant, site_id=site_b.id, fields={"name": "Car owner", "email": "c@garage.example"})
    return tenant, owner, member, client, lead, other


def test_owner_assigns_member_replies_and_wins_client_sees_it(page, server_env, agency):
    tenant, owner, member, client, lead, other = agency
    _sign_in(page, owner.email)
    page.goto("/submissions/")
    assert page.locator("tr.lead-new").count() == 2  # New in bold
    page.click(f"a[href='/submissions/{lead}/']")
    assert page.get_by_test_id("lead-state").inner_text() == "New"
    _shoot(page, "lead-detail-owner")
    page.select_option("form[aria-label=Assign] select[name=assignee]", member.email)
    page.click("form[aria-label=Assign] button:has-text('Assign')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert page.get_by_test_id("lead-assignee").inner_text() == member.email
    assert page.get_by_test_id("lead-state").inner_text() == "New"  # assigning does not open it
    notice = [m for m in _mails(server_env) if m["To"] == member.email]
    assert len(notice) == 1 and f"/submissions/{lead}/" in notice[0].get_payload()

    _sign_in(page, member.email)
    assert page.get_by_test_id("nav-mine").inner_text() == "Assigned to me 1"
    page.get_by_test_id("nav-mine").click()
    page.wait_for_url("**/submissions/?assignee=*")
    _shoot(page, "lead-list-mine")
    assert lead in page.content() and other not in page.content()
    page.click(f"a[href='/submissions/{lead}/']")
    page.click("text=Reply by e-mail")
    page.wait_for_url(f"**/submissions/{lead}/reply/")
    _shoot(page, "lead-reply")
    page.fill("input[name=subject]", "Your croissants")
    page.fill("textarea[name=body]", "Hello Ann, 40 croissants on Friday are fine.")
    page.click("button:has-text('Send reply')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert page.get_by_test_id("lead-state").inner_text() == "Replied"
    (reply,) = [m for m in _mails(server_env) if m["To"] == "ann@buyer.example"]
    assert reply["Reply-To"] == member.email and "Lead Agency" in reply["From"]
    assert reply["Subject"] == "Your croissants"
    page.click("form.lead-states button:has-text('Mark Won')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert page.get_by_test_id("lead-state").inner_text() == "Won"
    stored = access_submission(tenant=tenant, submission_id=lead)
    assert (stored.lead_state, stored.leadChangedBy) == ("WON", member.email)
    assert stored.firstResponseSeconds is not None

    _sign_in(page, client.email)
    page.goto("/submissions/")
    assert lead in page.content() and other not in page.content()
    page.goto(f"/submissions/{lead}/")
    _shoot(page, "lead-detail-client")
    assert page.get_by_test_id("lead-state").inner_text() == "Won"
    notes = page.get_by_test_id("lead-note").all_inner_texts()
    assert len(notes) == 1 and "Hello Ann, 40 croissants on Friday are fine." in notes[0]
    assert page.goto(f"/submissions/{other}/").status == 404
    assert page.goto(f"/submissions/{other}/reply/").status == 404


@pytest.mark.parametrize("role", [OWNER, ADMIN, MEMBER, CLIENT])
def test_each_role_uses_the_lead_pages_it_is_shown(page, agency, role):
    tenant, owner, _member, client, lead, other = agency
    user = {OWNER: owner, CLIENT: client}.get(role) or _user(tenant, owner, f"{role.lower()}@walk.example", role=role)
    _sign_in(page, user.email)
    page.goto("/submissions/")
    assert page.get_by_test_id("lead-counts").is_visible()
    assert (other in page.content()) == (role != CLIENT)
    page.goto(f"/submissions/{lead}/")
    # A state button, a note, the star, the assignment: every role here may (a client by default).
    page.click("form.lead-states button:has-text('Open it')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert page.get_by_test_id("lead-state").inner_text() == "Open"
    page.fill("form[aria-label='Add a note'] textarea[name=body]", f"Note by {role}")
    page.click("button:has-text('Add note')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert f"Note by {role}" in page.get_by_test_id("lead-panel").inner_text()
    page.click("form.lead-states button:has-text('Star')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert "Starred" in page.get_by_test_id("lead-panel").inner_text()
    page.select_option("form[aria-label=Assign] select[name=assignee]", user.email)
    page.click("form[aria-label=Assign] button:has-text('Assign')")
    page.wait_for_url(f"**/submissions/{lead}/")
    assert page.get_by_test_id("lead-assignee").inner_text() == (user.name or user.email)
    # The reply link shows only to who may reply (a client not by default).
    assert (page.locator("text=Reply by e-mail").count() == 1) == (role != CLIENT)
    # "Assigned to me" and the lead settings.
    page.get_by_test_id("nav-mine").click()
    page.wait_for_url("**/submissions/?assignee=*")
    assert lead in page.content()
    page.goto("/leads/settings/")
    page.uncheck("input[name=lead_emails]")
    page.click("form:has(input[value=emails]) button:has-text('Save')")
    page.wait_for_url("**/leads/settings/")
    assert not PortalUser.lookup_for_login(user.email).preferences.leadEmails
    if role in (OWNER, ADMIN):
        _shoot(page, f"lead-settings-{role.lower()}")
        page.check(f"form:has(input[value='{client.email}']) input[value=reply]")
        page.click(f"form:has(input[value='{client.email}']) button:has-text('Save')")
        page.wait_for_url("**/leads/settings/")
        assert "reply" in PortalUser.lookup_for_login(client.email).leadRights
    else:
        assert page.get_by_test_id("client-rights").count() == 0
    # Bulk: archive the lead from the list (the checkbox belongs to the bulk form).
    page.goto("/submissions/")
    _shoot(page, f"lead-list-{role.lower()}")
    page.check(f"input[name=ids][value='{lead}']")
    page.select_option("#bulk-action", "archive")
    page.click("form#lead-bulk button:has-text('Apply')")
    page.wait_for_url("**/submissions/**")
    assert "1 changed" in page.content() and f"/submissions/{lead}/" not in page.content()
    assert access_submission(tenant=tenant, submission_id=lead).archived
