"""The page behind every set-a-password link (invitations, password resets): check the link,
show the form, set the password, send the user to sign in."""
from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.shortcuts import redirect, render

from portal.errors import ServiceError
from portal.forms.auth import SetPasswordForm


@dataclass(frozen=True)
class LinkPage:
    find_user: Callable  # token -> user, or raises ServiceError
    spend: Callable  # (token, password) -> user
    heading: str
    note: str
    invalid_heading: str
    invalid_hint: str
    invalid_action_url: str
    invalid_action_label: str
    done_message: str
    base_template: str = "portal/base.html"


def set_password_from_link(request, token: str, page: LinkPage):
    try:
        user = page.find_user(token=token)
        form = SetPasswordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            page.spend(token=token, password=form.cleaned_data["password"])
            messages.success(request, page.done_message)
            return redirect("portal:login")
    except ServiceError as invalid:
        return render(request, "public/link_invalid.html", {"page": page, "message": str(invalid)}, status=404)
    return render(request, "public/set_password.html", {"page": page, "form": form, "email": user.email})
