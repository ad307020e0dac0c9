"""Team pages: the owner invites, lists and removes; a removed member's session stops
working; another tenant's user id is a 404 that changes nothing."""
from django.core import mail
from django.test import Client

from portal.dynamo.users import PortalUser
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.accounts import PASSWORD, make_tenant, stored_items


def _signed_in(email, password=PASSWORD):
    client = Client()
    assert client.post("/login/", {"email": email, "password": password}).status_code == 302
    return client


def test_owner_invites_a_member_who_appears_in_the_list(ddb):
    tenant, owner = make_tenant()
    client = _signed_in(owner.email)
    response = client.post("/account/team/", {"email": "Colleague@Agency.example", "name": "Cole"}, follow=True)
    body = response.content.decode()
    assert "Invitation sent to colleague@agency.example" in body and "invited" in body
    assert mail.outbox[0].to == ["colleague@agency.example"] and "/invite/" in mail.outbox[0].body
    assert PortalUser.lookup_for_login("colleague@agency.example").role == "MEMBER"


def test_invalid_invitations_are_field_errors_and_write_nothing(ddb):
    tenant, owner = make_tenant()
    other, other_owner = make_tenant()
    client = _signed_in(owner.email)
    before = stored_items()
    for data, message in [({"email": ""}, "This field is required."),
                          ({"email": "not-an-email"}, "Enter a valid email address."),
                          # Issue 12: another tenant's address answers "invitation sent" (test below).
                          ({"email": owner.email}, "already exists")]:
        response = client.post("/account/team/", data)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert stored_items() == before and mail.outbox == []


def test_removing_a_member_ends_their_session(ddb):
    tenant, owner = make_tenant()
    member = team_invite(tenant=tenant, actor=owner, email="leaver@agency.example")
    invitation_accept(token=invitation_token(user=member), password="member-password-55")
    member_client = _signed_in(member.email, "member-password-55")
    assert member_client.get("/").status_code == 200
    response = _signed_in(owner.email).post(f"/account/team/{member.id}/remove/", follow=True)
    assert "leaver@agency.example has been removed" in response.content.decode()
    assert member_client.get("/")["Location"].startswith("/login/")


def test_another_tenants_member_id_is_a_404_and_nothing_changes(ddb):
    tenant, owner = make_tenant()
    other, other_owner = make_tenant()
    theirs = team_invite(tenant=other, actor=other_owner, email="theirs@other.example")
    client = _signed_in(owner.email)
    before = stored_items()
    assert client.post(f"/account/team/{theirs.id}/remove/").status_code == 404
    assert client.post(f"/account/team/{other_owner.id}/remove/").status_code == 404
    assert stored_items() == before


def test_remove_needs_post(ddb):
    tenant, owner = make_tenant()
    assert _signed_in(owner.email).get(f"/account/team/{owner.id}/remove/").status_code == 405


def test_inviting_another_tenants_user_answers_like_any_invitation_and_tells_only_that_user(ddb):
    """Issue 12: the inviter sees "Invitation sent", nothing is written, and the address's
    owner is told by e-mail that someone tried to invite them."""
    tenant, owner = make_tenant()
    other, other_owner = make_tenant()
    client = _signed_in(owner.email)
    before = stored_items()
    response = client.post("/account/team/", {"email": other_owner.email.upper()}, follow=True)
    body = response.content.decode()
    assert f"Invitation sent to {other_owner.email}" in body and "already" not in body
    [notice] = mail.outbox
    assert notice.to == [other_owner.email] and owner.email in notice.body and other.organization not in notice.body
    assert stored_items() == before
    assert PortalUser.lookup_for_login(other_owner.email).tenantId == other.id
