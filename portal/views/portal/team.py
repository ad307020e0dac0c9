"""The team page: list, invite, assign roles, remove. Guarded by the role table (owner and
admins manage the team; members get 403)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.team import TeamInviteForm, TeamRoleForm
from portal.selectors.sites import site_list
from portal.selectors.users import team_list
from portal.services.accounts.team import role_label, team_invite_request, team_remove, team_role_change
from portal.views.refusals import refusals_as_messages, refusals_on_form


@permission_required(perm.MANAGE_TEAM, read=perm.MANAGE_TEAM)
def team(request):
    sites = site_list(tenant_id=request.tenant.id)
    form = TeamInviteForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            email = team_invite_request(tenant=request.tenant, actor=request.portal_user, **form.cleaned_data)
            messages.success(request, f"Invitation sent to {email}.")
            return redirect("portal:team")
    return render(request, "portal/account/team.html", {
        "form": form, "members": team_list(tenant_id=request.tenant.id), "role_choices": TeamRoleForm.CHOICES,
        "sites": sites, "site_domains": {site.id: site.domain for site in sites},
    })


@require_POST
@permission_required(perm.MANAGE_TEAM)
def team_member_role(request, user_id):
    form = TeamRoleForm(request.POST, sites=site_list(tenant_id=request.tenant.id))
    with refusals_as_messages(request):
        if not form.is_valid():
            messages.error(request, "Choose admin, member or client.")
            return redirect("portal:team")
        member = team_role_change(tenant=request.tenant, actor=request.portal_user, user_id=user_id,
                                  role=form.cleaned_data["role"], site_ids=form.cleaned_data["site_ids"])
        messages.success(request, f"{member.email} is now {role_label(member.role).lower()}.")
    return redirect("portal:team")


@require_POST
@permission_required(perm.MANAGE_TEAM)
def team_member_remove(request, user_id):
    with refusals_as_messages(request):
        member = team_remove(tenant=request.tenant, actor=request.portal_user, user_id=user_id)
        messages.success(request, f"{member.email} has been removed from the team.")
    return redirect("portal:team")
