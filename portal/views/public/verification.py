"""The e-mailed confirmation link, and re-sending it from the portal."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.services.accounts.verification import VerificationInvalid, verification_confirm, verification_resend
from portal.views.refusals import refusals_as_messages


_SESSION_KEY, _PLACEHOLDER = "_verify_token", "confirm"


@never_cache
def verify_email(request, token):
    # The token moves into the session and the browser to a token-free URL (as with
    # set-password links), so the page's URL, history and Referer never carry it.
    if token != _PLACEHOLDER:
        request.session[_SESSION_KEY] = token
        return redirect("portal:verify_email", token=_PLACEHOLDER)
    try:
        tenant = verification_confirm(token=request.session.pop(_SESSION_KEY, ""))
    except VerificationInvalid as invalid:
        return render(request, "public/verify_invalid.html", {"message": str(invalid)}, status=404)
    return render(request, "public/verify_done.html", {"tenant": tenant})


@require_POST
@permission_required(perm.MANAGE_ACCOUNT)
def verify_resend(request):
    with refusals_as_messages(request):
        verification_resend(tenant=request.tenant, actor=request.portal_user.email)
        messages.success(request, f"We sent a new confirmation link to {request.tenant.email}.")
    return redirect("portal:account")
