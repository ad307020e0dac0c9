"""Staff sign-in and sign-out (Django accounts with is_staff). The console's overview is in staff_audit."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout as django_logout
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.errors import LoginRefused
from portal.services.accounts.auth import STAFF, THROTTLED, sign_in_begin, sign_in_failed, sign_in_succeeded
from portal.services.accounts.staff_two_factor import staff_sign_in_next_step
from portal.views.utils import client_ip, safe_next_url


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That username and password do not match a staff account.",
        "inactive": "This account is inactive.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise self.get_invalid_login_error()


def staff_login_view(request):
    form = StaffAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        account, ip = request.POST.get("username", "").lower(), client_ip(request)
        try:
            sign_in_begin(kind=STAFF, account=account, ip=ip)
        except LoginRefused:
            form = StaffAuthenticationForm(request)
            form.is_bound = False
            return render(request, "staff/login.html", {"form": form, "throttled": THROTTLED}, status=429)
        if form.is_valid():
            sign_in_succeeded(kind=STAFF, account=account, ip=ip)
            next_url = safe_next_url(request, reverse("staff:home"))
            if staff_sign_in_next_step(request=request, user=form.get_user()) == "code":
                return redirect(f"{reverse('staff:login_code')}?{urlencode({'next': next_url})}")
            return redirect(next_url)
        sign_in_failed(kind=STAFF, account=account)
    return render(request, "staff/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def staff_logout_view(request):
    django_logout(request)
    messages.info(request, "You have signed out of the staff console.")
    return redirect("staff:login")
