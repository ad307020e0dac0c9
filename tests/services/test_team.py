"""The owner's team: invitations make MEMBER users without a password, members cannot
manage the team, removal is a soft delete, another tenant's user is never found."""
import re

import pytest
from django.core import mail

from portal.dynamo.users import MEMBER, PortalUser
from portal.errors import NotFound
from portal.selectors.users import team_list
from portal.services.accounts.team import TeamPermissionDenied, TeamRefused, team_invite, team_remove
from portal.services.billing.tenants import invitation_accept
from portal.services.accounts.users import UserEmailTaken
from tests.factories.accounts import make_tenant, stored_items


def test_an_invitation_creates_a_member_without_password_whose_link_sets_one(ddb):
    tenant, owner = make_tenant(organization="Acme")
    member = team_invite(tenant=tenant, actor=owner, email="New@Acme.example", name="Nia")
    assert member.role == MEMBER and member.passwordHash == "!" and member.tenantId == tenant.id
    [message] = mail.outbox
    assert message.to == ["new@acme.example"] and "Acme" in message.subject
    token = re.search(r"/invite/([^/\s]+)/", message.body).group(1)
    invitation_accept(token=token, password="member-password-55")
    assert PortalUser.lookup_for_login("new@acme.example").passwordHash != "!"
    assert [u.email for u in team_list(tenant_id=tenant.id)] == [owner.email, "new@acme.example"]


def test_a_member_cannot_invite_and_nothing_is_written(ddb):
    tenant, owner = make_tenant()
    member = team_invite(tenant=tenant, actor=owner, email="m@acme.example")
    before = stored_items()
    with pytest.raises(TeamPermissionDenied):
        team_invite(tenant=tenant, actor=member, email="other@acme.example")
    with pytest.raises(TeamPermissionDenied):
        team_remove(tenant=tenant, actor=member, user_id=owner.id)
    assert stored_items() == before


def test_an_email_any_user_already_has_is_refused(ddb):
    tenant, owner = make_tenant()
    other_tenant, other_owner = make_tenant()
    before = stored_items()
    with pytest.raises(UserEmailTaken):
        team_invite(tenant=tenant, actor=owner, email=other_owner.email.upper())
    assert stored_items() == before and mail.outbox == []


def test_removing_a_member_deactivates_them(ddb):
    tenant, owner = make_tenant()
    member = team_invite(tenant=tenant, actor=owner, email="leaver@acme.example")
    team_remove(tenant=tenant, actor=owner, user_id=member.id)
    stored = PortalUser.lookup_for_login("leaver@acme.example")
    assert stored.active is False and stored.lastUpdatedBy == owner.email
    assert [u.email for u in team_list(tenant_id=tenant.id)] == [owner.email]


def test_another_tenants_user_or_the_owner_cannot_be_removed(ddb):
    tenant, owner = make_tenant()
    other_tenant, other_owner = make_tenant()
    other_member = team_invite(tenant=other_tenant, actor=other_owner, email="theirs@other.example")
    before = stored_items()
    with pytest.raises(NotFound):
        team_remove(tenant=tenant, actor=owner, user_id=other_member.id)
    with pytest.raises(TeamRefused):
        team_remove(tenant=tenant, actor=owner, user_id=owner.id)
    assert stored_items() == before
