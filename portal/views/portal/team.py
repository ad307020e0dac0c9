"""The owner's team page: list, invite, remove. Members get 403."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.decorators import owner_required
from portal.forms.team import TeamInviteForm
from portal.selectors.users import team_list
from portal.services.team import team_invite, team_remove
from portal.views.refusals import refusals_as_messages, refusals_on_form


@owner_required
def team(request):
    form = TeamInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            member = team_invite(tenant=request.tenant, actor=request.portal_user, **form.cleaned_data)
            messages.success(request, f"Invitation sent to {member.email}.")
            return redirect("portal:team")
    return render(request, "portal/account/team.html", {"form": form, "members": team_list(tenant_id=request.tenant.id)})


@require_POST
@owner_required
def team_member_remove(request, user_id):
    with refusals_as_messages(request):
        member = team_remove(tenant=request.tenant, actor=request.portal_user, user_id=user_id)
        messages.success(request, f"{member.email} has been removed from the team.")
    return redirect("portal:team")
