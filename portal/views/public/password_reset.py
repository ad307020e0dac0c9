"""Password reset by e-mail: ask for a link, then set a new password with it."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from portal.forms.account import PasswordResetRequestForm
from portal.services.accounts.password_reset import password_reset_confirm, password_reset_request, password_reset_user
from portal.views.public.password_links import LinkPage, set_password_from_link
from portal.views.utils import client_ip

SENT = ("If an account exists for that e-mail address, we have sent it a link to reset the password. "
        "The link works once, for 2 hours.")


def password_reset_request_view(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        messages.info(request, SENT)
        return redirect("portal:password_reset")
    return render(request, "public/password_reset_request.html", {"form": form})


RESET = LinkPage(
    find_user=password_reset_user, spend=password_reset_confirm,
    heading="Set a new password", note="Every other session of this account will be signed out.",
    invalid_heading="Reset link not valid", invalid_hint="",
    invalid_action_url=reverse_lazy("portal:password_reset"), invalid_action_label="Ask for a new link",
    done_message="Your password has been reset. Sign in with the new one.",
    url_name="portal:password_reset_confirm",
)


@never_cache
def password_reset_confirm_view(request, token):
    return set_password_from_link(request, token, RESET)
