"""Two-factor sign-in for tenant users (the shared pages in portal/views/two_factor_pages.py):
the code step after the password and the account page where every teammate manages their
own; the owner and admins require it of the whole team from the team page."""
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required, two_factor_setup_page
from portal.forms.two_factor import TwoFactorRequireForm
from portal.services.accounts import auth, two_factor
from portal.views.refusals import refusals_as_messages
from portal.views.two_factor_pages import TwoFactorPages

PAGES = TwoFactorPages(
    namespace="portal", base="portal/base.html",
    account=lambda request: request.portal_user, account_label=lambda user: user.email,
    enabled=two_factor.user_two_factor_enabled, required=lambda request: bool(request.tenant.twoFactorRequired),
    recovery_left=lambda user: len(user.totpRecoveryHashes or []),
    enrol_secret=two_factor.user_enrol_secret, enrol_restart=two_factor.user_enrol_restart,
    enrol_confirm=two_factor.user_enrol_confirm, recovery_regenerate=two_factor.user_recovery_regenerate,
    disable=lambda request, user, code: two_factor.user_two_factor_disable(user=user, tenant=request.tenant, code=code),
    pending_user=auth.portal_code_pending_user, code_sign_in=auth.portal_code_sign_in,
)


@never_cache
def login_code_view(request):
    return PAGES.code_step(request)


@never_cache
@permission_required(perm.OWN_TWO_FACTOR, read=perm.OWN_TWO_FACTOR)
@two_factor_setup_page
def two_factor_page(request):
    return PAGES.manage(request)


@require_POST
@permission_required(perm.OWN_TWO_FACTOR, read=perm.OWN_TWO_FACTOR)
@two_factor_setup_page
def two_factor_restart(request):
    return PAGES.restart(request)


@require_POST
@permission_required(perm.OWN_TWO_FACTOR, read=perm.OWN_TWO_FACTOR)
def two_factor_recovery(request):
    return PAGES.recovery(request)


@require_POST
@permission_required(perm.OWN_TWO_FACTOR, read=perm.OWN_TWO_FACTOR)
def two_factor_disable(request):
    return PAGES.turn_off(request)


@require_POST
@permission_required(perm.MANAGE_TEAM, read=perm.MANAGE_TEAM)
def team_two_factor_require(request):
    form = TwoFactorRequireForm(request.POST)
    with refusals_as_messages(request):
        if not form.is_valid():
            messages.error(request, "Choose whether the team must use two-factor sign-in.")
            return redirect("portal:team")
        required = form.cleaned_data["required"] == "on"
        two_factor.tenant_two_factor_require(tenant=request.tenant, actor=request.portal_user, required=required)
        messages.success(request, "Everyone on the team must now use two-factor sign-in." if required
                         else "Two-factor sign-in is now optional for the team.")
    return redirect("portal:team")
