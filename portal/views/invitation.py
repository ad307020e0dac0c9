"""An invited user (a staff-created tenant's owner) sets a password from the e-mailed link."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal.forms.auth import SetPasswordForm
from portal.services.tenants import InvitationInvalid, invitation_accept, invitation_user


@never_cache
def invitation_accept_view(request, token):
    try:
        user = invitation_user(token=token)
    except InvitationInvalid as error:
        return render(request, "invite/invalid.html", {"message": str(error)}, status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, password=form.cleaned_data["password"])
        except InvitationInvalid as error:
            return render(request, "invite/invalid.html", {"message": str(error)}, status=404)
        messages.success(request, "Your password is set. Sign in to continue.")
        return redirect("portal:login")
    return render(request, "invite/accept.html", {"form": form, "email": user.email})
