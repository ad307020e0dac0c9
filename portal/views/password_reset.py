"""Password reset by e-mail: ask for a link, then set a new password with it."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal.forms.account import PasswordResetRequestForm
from portal.forms.auth import SetPasswordForm
from portal.services.password_reset import ResetInvalid, password_reset_confirm, password_reset_request, password_reset_user

SENT = ("If an account exists for that e-mail address, we have sent it a link to reset the password. "
        "The link works once, for 2 hours.")


def password_reset_request_view(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"])
        messages.info(request, SENT)
        return redirect("portal:password_reset")
    return render(request, "public/password_reset_request.html", {"form": form})


@never_cache
def password_reset_confirm_view(request, token):
    try:
        user = password_reset_user(token=token)
    except ResetInvalid as invalid:
        return render(request, "public/password_reset_invalid.html", {"message": str(invalid)}, status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_confirm(token=token, password=form.cleaned_data["password"])
        except ResetInvalid as invalid:
            return render(request, "public/password_reset_invalid.html", {"message": str(invalid)}, status=404)
        messages.success(request, "Your password has been reset. Sign in with the new one.")
        return redirect("portal:login")
    return render(request, "public/password_reset_confirm.html", {"form": form, "email": user.email})
