"""Two-factor sign-in for staff (the shared pages in portal/views/two_factor_pages.py); with
STAFF_REQUIRE_2FA every staff account must set it up before using the console."""
from django.conf import settings
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.decorators import staff_required, two_factor_setup_page
from portal.services.accounts import staff_two_factor
from portal.views.two_factor_pages import TwoFactorPages


PAGES = TwoFactorPages(
    namespace="staff", base="staff/base.html",
    account=lambda request: request.user, account_label=lambda user: f"staff:{user.get_username()}",
    enabled=staff_two_factor.staff_two_factor_enabled, required=lambda request: settings.STAFF_REQUIRE_2FA,
    recovery_left=staff_two_factor.staff_recovery_left,
    enrol_secret=staff_two_factor.staff_enrol_secret, enrol_restart=staff_two_factor.staff_enrol_restart,
    enrol_confirm=staff_two_factor.staff_enrol_confirm, recovery_regenerate=staff_two_factor.staff_recovery_regenerate,
    disable=lambda request, user, code: staff_two_factor.staff_two_factor_disable(user=user, code=code),
    pending_user=staff_two_factor.staff_code_pending_user, code_sign_in=staff_two_factor.staff_code_sign_in,
)


@never_cache
def staff_login_code(request):
    return PAGES.code_step(request)


@never_cache
@staff_required
@two_factor_setup_page
def staff_two_factor_page(request):
    return PAGES.manage(request)


@require_POST
@staff_required
@two_factor_setup_page
def staff_two_factor_restart(request):
    return PAGES.restart(request)


@require_POST
@staff_required
def staff_two_factor_recovery(request):
    return PAGES.recovery(request)


@require_POST
@staff_required
def staff_two_factor_disable(request):
    return PAGES.turn_off(request)
