"""The owner's team page: list, invite, remove. Members get 403."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.decorators import owner_required
from portal.errors import NotFound
from portal.forms.team import TeamInviteForm
from portal.selectors.users import team_list
from portal.services.team import TeamRefused, team_invite, team_remove
from portal.services.users import UserEmailTaken


@owner_required
def team(request):
    form = TeamInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = team_invite(tenant=request.tenant, actor=request.portal_user, **form.cleaned_data)
        except UserEmailTaken as taken:
            form.add_error("email", str(taken))
        else:
            messages.success(request, f"Invitation sent to {member.email}.")
            return redirect("portal:team")
    return render(request, "portal/account/team.html", {"form": form, "members": team_list(tenant_id=request.tenant.id)})


@require_POST
@owner_required
def team_member_remove(request, user_id):
    try:
        member = team_remove(tenant=request.tenant, actor=request.portal_user, user_id=user_id)
    except NotFound as missing:
        raise Http404(str(missing)) from None
    except TeamRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{member.email} has been removed from the team.")
    return redirect("portal:team")
