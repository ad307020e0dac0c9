"""Account pages: profile edit with optimistic locking and audit, plan/usage/orders, the
unconfirmed banner with re-send, and the read-only portal of a suspended tenant."""
from django.core import mail
from django.test import Client

from portal.dynamo.audit import AuditEntry
from portal.dynamo.tenants import SUSPENDED, UNVALIDATED
from portal.selectors.access import access_tenant
from portal.services.accounts.profile import account_profile_update
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token, tenant_status_change
from tests.factories.accounts import PASSWORD, make_checkout, make_tenant, stored_items


def _signed_in(email, password=PASSWORD):
    client = Client()
    assert client.post("/login/", {"email": email, "password": password}).status_code == 302
    return client


def _member(tenant, owner):
    member = team_invite(tenant=tenant, actor=owner, email=f"member-{tenant.id.lower()}@team.example")
    invitation_accept(token=invitation_token(user=member), password="member-password-55")
    return _signed_in(member.email, "member-password-55")


def test_account_page_shows_organization_plan_and_links_to_password_change(ddb):
    tenant, owner = make_tenant(organization="Acme Web")
    body = _signed_in(owner.email).get("/account/").content.decode()
    assert "Acme Web" in body and 'href="/account/password/"' in body and "of 1,000 submissions this month" in body


def test_owner_edits_organization_and_destination_email_with_an_audit_entry(ddb):
    tenant, owner = make_tenant(organization="Old Name")
    client = _signed_in(owner.email)
    response = client.post("/account/profile/", {"version": tenant.version, "organization": "New Name",
                                                  "destination_email": "Leads@Acme.example"})
    assert response.status_code == 302
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.organization == "New Name" and stored.destinationEmail == "leads@acme.example"
    [entry] = [e for e in AuditEntry.in_tenant(tenant.id).query(AuditEntry.partition_for(tenant.id))
               if e.action == "tenant.profile_update"]
    assert entry.actor == owner.email and entry.before["organization"] == "Old Name"


def test_invalid_or_stale_profile_edits_change_nothing(ddb):
    tenant, owner = make_tenant(organization="Keep Me")
    client = _signed_in(owner.email)
    stale_version = tenant.version
    account_profile_update(tenant=tenant, actor=owner.email, version=tenant.version, organization="Keep Me",
                           destination_email=None)
    before = stored_items()
    current = access_tenant(tenant_id=tenant.id).version
    cases = [
        ({"version": current, "organization": "", "destination_email": ""}, "This field is required."),
        ({"version": current, "organization": "X", "destination_email": "nope"}, "Enter a valid email address."),
        ({"version": "", "organization": "X", "destination_email": ""}, "This form is out of date."),
        ({"version": stale_version, "organization": "Mine", "destination_email": ""}, "changed by someone else"),
    ]
    for data, message in cases:
        response = client.post("/account/profile/", data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert stored_items() == before


def test_members_cannot_edit_the_profile_or_manage_the_team(ddb):
    tenant, owner = make_tenant(organization="Acme")
    member = _member(tenant, owner)
    before = stored_items()
    assert member.get("/account/profile/").status_code == 403
    assert member.post("/account/profile/", {"version": tenant.version, "organization": "Hijacked"}).status_code == 403
    assert member.get("/account/team/").status_code == 403
    assert member.post("/account/team/", {"email": "friend@x.example"}).status_code == 403
    assert member.post(f"/account/team/{owner.id}/remove/").status_code == 403
    assert stored_items() == before
    assert member.get("/account/").status_code == 200


def test_plan_page_shows_usage_and_order_history(ddb):
    tenant, owner, order = make_checkout()
    body = _signed_in(owner.email).get("/account/plan/").content.decode()
    assert "0</p>" in body and "of 1,000 submissions (0%)" in body
    assert body.count('class="order-row"') == 1 and f"{order.price:.2f} EUR" in body


def test_plan_page_with_a_bad_cursor_starts_over(ddb):
    tenant, owner = make_tenant()
    response = _signed_in(owner.email).get("/account/plan/", {"cursor": "forged"})
    assert response.status_code == 302 and response["Location"] == "/account/plan/"


def test_unconfirmed_tenant_sees_the_banner_and_can_resend_the_link(ddb):
    tenant, owner, _ = make_checkout()
    client = _signed_in(owner.email)
    assert "Confirm your e-mail address" in client.get("/").content.decode()
    response = client.post("/account/verify/resend/", follow=True)
    assert "We sent a new confirmation link" in response.content.decode()
    assert len(mail.outbox) == 2 and access_tenant(tenant_id=tenant.id).status == UNVALIDATED


def test_a_suspended_tenant_reads_but_every_write_is_refused(ddb):
    tenant, owner = make_tenant(organization="Paused Co")
    tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="staff", version=None, to_status=SUSPENDED,
                         reason="Chargeback")
    client = _signed_in(owner.email)
    assert client.get("/account/").status_code == 200
    assert "Chargeback" in client.get("/account/plan/").content.decode()
    before = stored_items()
    writes = [
        ("/account/profile/", {"version": tenant.version + 1, "organization": "Changed"}),
        ("/account/team/", {"email": "new@paused.example"}),
        ("/account/password/", {"old_password": PASSWORD, "new_password": "x-new-pass-99",
                                "new_password_again": "x-new-pass-99"}),
    ]
    for url, data in writes:
        response = client.post(url, data)
        assert response.status_code == 403 and "read-only" in response.content.decode(), url
    assert stored_items() == before and mail.outbox == []
