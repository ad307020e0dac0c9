"""The pages of two-factor sign-in, shared by the tenant portal and the staff console: the
code step after the password, and the page to set it up (secret as text and as a QR code,
confirm with a code, recovery codes shown once), make new recovery codes, or turn it off.
Each side passes its own account operations (portal/services/accounts/two_factor.py for tenant
users, portal/services/accounts/staff_two_factor.py for staff) and wraps these in its own guards."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from portal.errors import LoginRefused
from portal.forms.two_factor import TwoFactorCodeForm
from portal.services.accounts import two_factor
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.utils import client_ip, safe_next_url


@dataclass(frozen=True)
class TwoFactorPages:
    namespace: str  # "portal" or "staff": URL names login, login_code, two_factor, two_factor_*
    base: str  # the section's base template
    account: Callable  # request -> the signed-in account
    account_label: Callable  # account -> what the authenticator app shows
    enabled: Callable  # account -> bool
    required: Callable  # request -> bool (may not be turned off)
    recovery_left: Callable  # account -> int
    enrol_secret: Callable  # (user=) -> pending secret
    enrol_restart: Callable
    enrol_confirm: Callable  # (user=, code=) -> recovery codes
    recovery_regenerate: Callable
    disable: Callable  # (request, account, code)
    pending_user: Callable  # session -> account or None
    code_sign_in: Callable  # (request=, code=, ip=)

    def url(self, name: str) -> str:
        return reverse(f"{self.namespace}:{name}")

    def _no_store(self, response):
        response["Cache-Control"] = "no-store"
        return response

    def code_step(self, request):
        if self.pending_user(request.session) is None:
            messages.info(request, "That sign-in took too long or was not started. Sign in again.")
            return redirect(f"{self.namespace}:login")
        form = TwoFactorCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self.code_sign_in(request=request, code=form.cleaned_data["code"], ip=client_ip(request))
            except LoginRefused as refused:
                form.add_error("code", str(refused))
            else:
                return redirect(safe_next_url(request, self.url("home")))
        return self._no_store(render(request, "two_factor/code.html", {
            "form": form, "base": self.base, "next": request.GET.get("next", ""), "cancel_url": self.url("login")}))

    def _recovery_codes(self, request, codes):
        return self._no_store(render(request, "two_factor/recovery_codes.html", {
            "codes": codes, "base": self.base, "done_url": self.url("two_factor")}))

    def manage(self, request):
        user = self.account(request)
        form = TwoFactorCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and not self.enabled(user):
            with refusals_on_form(form):
                codes = self.enrol_confirm(user=user, code=form.cleaned_data["code"])
                messages.success(request, "Two-factor sign-in is on. Keep your recovery codes somewhere safe.")
                return self._recovery_codes(request, codes)
        context = {"form": form, "base": self.base, "enabled": self.enabled(user), "required": self.required(request),
                   "recovery_left": self.recovery_left(user),
                   "urls": {name: self.url(f"two_factor_{name}") for name in ("restart", "disable", "recovery")}}
        if not context["enabled"]:
            secret = self.enrol_secret(user=user)
            uri = two_factor.provisioning_uri(secret=secret, account=self.account_label(user))
            context.update(secret=two_factor.spaced(secret), uri=uri, qr=two_factor.qr_svg(uri))
        return self._no_store(render(request, "two_factor/manage.html", context))

    def restart(self, request):
        """A new pending secret (the shown one was never confirmed, e.g. scanned on a lost phone)."""
        user = self.account(request)
        if not self.enabled(user):
            self.enrol_restart(user=user)
        return redirect(f"{self.namespace}:two_factor")

    def _with_code(self, request, *, missing: str, act):
        form = TwoFactorCodeForm(request.POST)
        with refusals_as_messages(request):
            if not form.is_valid():
                messages.error(request, missing)
            else:
                return act(form.cleaned_data["code"])
        return redirect(f"{self.namespace}:two_factor")

    def recovery(self, request):
        def act(code):
            codes = self.recovery_regenerate(user=self.account(request), code=code)
            messages.success(request, "New recovery codes made: the old ones no longer work.")
            return self._recovery_codes(request, codes)

        return self._with_code(request, act=act,
                               missing="Enter a code from your authenticator app to make new recovery codes.")

    def turn_off(self, request):
        def act(code):
            self.disable(request, self.account(request), code)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect(f"{self.namespace}:two_factor")

        return self._with_code(request, act=act,
                               missing="Enter a code from your authenticator app to turn two-factor sign-in off.")
