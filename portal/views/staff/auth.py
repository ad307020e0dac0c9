"""Staff sign-in and sign-out (Django accounts with is_staff). The console's overview is in staff_audit."""
from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.services.auth import THROTTLED
from portal.services import throttle
from portal.views.utils import client_ip, safe_next_url
from django.conf import settings


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That username and password do not match a staff account.",
        "inactive": "This account is inactive.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise self.get_invalid_login_error()


def _throttle_subjects(request) -> list[tuple[str, str]]:
    return [("staff-login-user", request.POST.get("username", "").lower()), ("staff-login-ip", client_ip(request))]


def staff_login_view(request):
    form = StaffAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        window, limit = settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_MAX_FAILURES
        subjects = _throttle_subjects(request)
        if any(throttle.throttle_is_blocked(scope=s, subject=v, limit=limit, window_seconds=window) for s, v in subjects):
            form = StaffAuthenticationForm(request)
            form.is_bound = False
            return render(request, "staff/login.html", {"form": form, "throttled": THROTTLED}, status=429)
        if form.is_valid():
            django_login(request, form.get_user())  # rotates the session key
            return redirect(safe_next_url(request, reverse("staff:home")))
        for scope, subject in subjects:
            throttle.throttle_record(scope=scope, subject=subject, window_seconds=window)
    return render(request, "staff/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def staff_logout_view(request):
    django_logout(request)
    messages.info(request, "You have signed out of the staff console.")
    return redirect("staff:login")
