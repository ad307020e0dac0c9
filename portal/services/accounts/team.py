"""The team: invite members by e-mail, assign roles, remove them. Who may manage the team is
in the role table (portal/permissions.py: the owner and admins).

An invited member is a MEMBER user without a usable password; the e-mailed link is the same
signed, single-use invitation token staff invitations use (services.tenants), accepted at
/invite/<token>/. Removing a member is a soft delete: the user's sessions stop working
because portal_user_from_session checks user.active."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import MEMBER, OWNER, PortalUser
from portal.errors import FieldErrors, NotFound, ServiceError
from portal.permissions import ASSIGNABLE_ROLES, MANAGE_TEAM, ROLE_LABELS, SITE_SCOPED_ROLES, user_can
from portal.selectors.sites import site_list
from portal.services.compliance.audit import audit_record
from portal.services.billing.tenants import INVITATION_MAX_AGE, invitation_token
from portal.services.accounts.users import UserEmailTaken, portal_user_create


class TeamPermissionDenied(ServiceError):
    def __init__(self):
        super().__init__("Only the account owner and admins can manage the team.")


class TeamRefused(ServiceError):
    pass


def _require_team_manager(actor: PortalUser) -> None:
    if not user_can(actor, MANAGE_TEAM):
        raise TeamPermissionDenied()


def team_invite_send(*, tenant: Tenant, user: PortalUser, inviter: PortalUser) -> None:
    link = settings.SITE_URL + reverse("invite:accept", kwargs={"token": invitation_token(user=user)})
    context = {"tenant": tenant, "inviter": inviter, "link": link, "days": INVITATION_MAX_AGE.days}
    send_mail(
        subject=f"{inviter.email} invited you to {tenant.organization} on Form-Bridge",
        message=render_to_string("emails/team_invite.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email],
    )


class ClientSitesRequired(FieldErrors):
    def __init__(self):
        super().__init__("Choose at least one of your sites for a client.", field="site_ids")


def _client_sites(*, tenant: Tenant, role: str, site_ids) -> list[str]:
    """The sites a site-scoped role gets: at least one, all the tenant's live sites. Other
    roles see every site: their list is empty."""
    if role not in SITE_SCOPED_ROLES:
        return []
    chosen = list(dict.fromkeys(site_ids or ()))
    own = {site.id for site in site_list(tenant_id=tenant.id)}
    if not chosen or not set(chosen) <= own:
        raise ClientSitesRequired()
    return chosen


def team_invite(*, tenant: Tenant, actor: PortalUser, email: str, name: str = "", role: str = MEMBER,
                site_ids=()) -> PortalUser:
    """Create a user (a MEMBER unless told; a CLIENT with the sites it may see) with no usable
    password and e-mail them a set-password link. An e-mail address any user already has
    raises UserEmailTaken and writes nothing."""
    _require_team_manager(actor)
    if role not in ASSIGNABLE_ROLES:
        raise TeamRefused("Choose admin, member or client.")
    sites = _client_sites(tenant=tenant, role=role, site_ids=site_ids)
    member = portal_user_create(tenant_id=tenant.id, email=email, password=None, role=role,
                                actor=actor.email, name=name.strip(), reclaim_inactive=True, site_ids=sites)
    team_invite_send(tenant=tenant, user=member, inviter=actor)
    audit_record(tenant_id=tenant.id, actor=actor.email, action="user.invite", target_type="user",
                 target_id=member.email, after={"email": member.email, "role": member.role, "siteIds": sites})
    return member


def team_invite_request(*, tenant: Tenant, actor: PortalUser, email: str, name: str = "", role: str = MEMBER,
                        site_ids=()) -> str:
    """The team page's invitation: the same answer (the address, "invitation sent") whether or
    not the address belongs to another tenant's account, so the page never reveals one. That
    address's owner gets an e-mail saying so instead, and nothing is written. An address already
    on this team is still a field error (it reveals nothing new)."""
    try:
        return team_invite(tenant=tenant, actor=actor, email=email, name=name, role=role, site_ids=site_ids).email
    except UserEmailTaken:
        existing = PortalUser.lookup_for_login(email.strip().lower())
        if existing is None or existing.tenantId == tenant.id:
            raise
    send_mail(
        subject="Someone tried to invite you to a team on Form-Bridge",
        message=render_to_string("emails/team_invite_existing_account.txt", {
            "inviter_email": actor.email, "login_link": settings.SITE_URL + reverse("portal:login")}),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[existing.email],
    )
    return existing.email


def _member_by_id(*, tenant_id: str, user_id: str) -> PortalUser:
    found = PortalUser.in_tenant(tenant_id).query(tenant_id, index=PortalUser.tenant_index,
                                                  filter_condition=PortalUser.id == user_id)
    member = next(iter(found), None)
    if member is None or not member.active:
        raise NotFound("No such team member.")
    return member


def team_remove(*, tenant: Tenant, actor: PortalUser, user_id: str) -> PortalUser:
    """Deactivate a member of this tenant; another tenant's user id is NotFound."""
    _require_team_manager(actor)
    member = _member_by_id(tenant_id=tenant.id, user_id=user_id)
    if member.role == OWNER:
        raise TeamRefused("The account owner cannot be removed from the team.")
    member.active = False
    member.touch(actor.email)
    save_versioned(member)
    audit_record(tenant_id=tenant.id, actor=actor.email, action="user.remove", target_type="user",
                 target_id=member.email, before={"active": True}, after={"active": False})
    return member


def team_role_change(*, tenant: Tenant, actor: PortalUser, user_id: str, role: str, site_ids=None) -> PortalUser:
    """Give a teammate another role (admin, member, or client with its sites). The owner's
    role never changes here; another tenant's user id is NotFound. A client keeps its sites
    unless new ones are given."""
    _require_team_manager(actor)
    if role not in ASSIGNABLE_ROLES:
        raise TeamRefused("Choose admin, member or client.")
    member = _member_by_id(tenant_id=tenant.id, user_id=user_id)
    if member.role == OWNER:
        raise TeamRefused("The account owner's role cannot be changed.")
    before = {"role": member.role, "siteIds": list(member.siteIds or [])}
    keep = member.siteIds if member.role == role and not site_ids else site_ids
    sites = _client_sites(tenant=tenant, role=role, site_ids=keep)
    after = {"role": role, "siteIds": sites}
    if before != after:
        member.role, member.siteIds = role, sites
        member.touch(actor.email)
        save_versioned(member)
        audit_record(tenant_id=tenant.id, actor=actor.email, action="user.role_change", target_type="user",
                     target_id=member.email, before=before, after=after)
    return member


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.title())
