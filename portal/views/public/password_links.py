"""The page behind every set-a-password link (invitations, password resets): check the link,
show the form, set the password, send the user to sign in.

Like Django's PasswordResetConfirmView, a valid token moves from the URL into the session and
the browser is redirected to the same route with a placeholder instead of the token, so the
form page (its URL in history, Referer headers and later requests' logs) never carries it."""
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
    url_name: str  # the route, reversed with the placeholder token
    base_template: str = "portal/base.html"


LINK_PLACEHOLDER = "set"  # never a valid signed token (those carry a ':' separator)


def set_password_from_link(request, token: str, page: LinkPage):
    session_key = f"_link_token:{page.url_name}"
    from_session = token == LINK_PLACEHOLDER
    if from_session:
        token = request.session.get(session_key, "")
    try:
        user = page.find_user(token=token)
        if request.method == "GET" and not from_session:
            request.session[session_key] = token
            return redirect(page.url_name, token=LINK_PLACEHOLDER)
        form = SetPasswordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            page.spend(token=token, password=form.cleaned_data["password"])
            request.session.pop(session_key, None)
            messages.success(request, page.done_message)
            return redirect("portal:login")
    except ServiceError as invalid:
        return render(request, "public/link_invalid.html", {"page": page, "message": str(invalid)}, status=404)
    return render(request, "public/set_password.html", {"page": page, "form": form, "email": user.email})
