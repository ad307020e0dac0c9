"""Tenant sign-in, sign-out and password change."""
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.errors import LoginRefused
from portal.forms.auth import PasswordChangeForm, PortalLoginForm
from portal.services.accounts import auth
from portal.views.utils import client_ip, safe_next_url


def login_view(request):
    form = PortalLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, tenant = auth.portal_authenticate(ip=client_ip(request), **form.cleaned_data)
        except LoginRefused as refused:
            form.add_error(None, str(refused))
        else:
            next_url = safe_next_url(request, reverse("portal:home"))
            if auth.portal_sign_in_next_step(request=request, user=user, tenant=tenant) == "code":
                return redirect(f"{reverse('portal:login_code')}?{urlencode({'next': next_url})}")
            return redirect(next_url)
    return render(request, "portal/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    auth.portal_logout(request=request)
    messages.info(request, "You have signed out.")
    return redirect("portal:login")


@permission_required(perm.OWN_PASSWORD, read=perm.OWN_PASSWORD)
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.portal_password_change(
                request=request, user=request.portal_user,
                old_password=form.cleaned_data["old_password"], new_password=form.cleaned_data["new_password"],
            )
        except LoginRefused as refused:
            form.add_error("old_password", str(refused))
        else:
            messages.success(request, "Password changed. Your other sessions have been signed out.")
            return redirect("portal:home")
    return render(request, "portal/password_change.html", {"form": form})
