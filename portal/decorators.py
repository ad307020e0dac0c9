"""Access decorators. Staff pages need a Django is_staff account; tenant pages need a portal
session. Neither grants the other.

A suspended tenant's portal is read-only: tenant_required answers every write (any method
but GET/HEAD/OPTIONS) with 403 and the reason, before the view runs.

Every tenant view is wrapped in permission_required(action): the role table in
portal/permissions.py decides, and the wrapper carries `.permission` so a test can check that
no tenant view goes without one."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse

from portal.permissions import VIEW, site_scope_of, user_can
from portal.services.accounts.auth import portal_user_from_session
from portal.services.accounts.two_factor import user_two_factor_missing
from portal.dynamo.connection.metering import tenant_metering

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def two_factor_setup_page(view):
    """Marks the page where a user sets up two-factor sign-in: reachable even while the team
    requires it and this user has not set it up (every other tenant page redirects there)."""
    view.two_factor_setup = True
    return view


def tenant_required(view):
    setup_page = getattr(view, "two_factor_setup", False)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        found = portal_user_from_session(request.session)
        if found is None:
            return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
        request.portal_user, request.tenant = found
        if not setup_page and user_two_factor_missing(user=request.portal_user, tenant=request.tenant):
            # The team requires two-factor sign-in: nothing else until this user has set it up.
            return redirect("portal:two_factor")
        # A site-scoped role (CLIENT) reads only its sites: every selector takes the scope from here.
        request.tenant.site_scope = site_scope_of(request.portal_user)
        if request.tenant.read_only and request.method not in SAFE_METHODS:
            return render(request, "portal/account/suspended_refused.html", {"tenant": request.tenant}, status=403)
        # The page's DynamoDB units are the tenant's; they ride on its next counter write (a page
        # itself writes nothing for them, so a refused form still changes nothing).
        with tenant_metering(request.tenant.id):
            return view(request, *args, **kwargs)

    wrapper.tenant_view = True
    return wrapper


def portal_user_optional(view):
    """A public page (pricing, the API reference) that shows a signed-in user the portal's
    header: request.portal_user and request.tenant are set when the session has them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        found = portal_user_from_session(request.session)
        if found is not None:
            request.portal_user, request.tenant = found
            request.tenant.site_scope = site_scope_of(request.portal_user)
        return view(request, *args, **kwargs)

    return wrapper


def permission_required(action: str, *, read: str = VIEW):
    """A tenant page guarded by the role table: `read` for GET/HEAD/OPTIONS, `action` for
    every other method. Roles without it get 403."""

    def decorate(view):
        @tenant_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            needed = read if request.method in SAFE_METHODS else action
            if not user_can(request.portal_user, needed):
                return render(request, "portal/account/not_permitted.html", status=403)
            return view(request, *args, **kwargs)

        wrapper.permission = {"read": read, "write": action}
        return wrapper

    return decorate


def staff_required(view):
    """A staff console page: a Django is_staff account, which (with STAFF_REQUIRE_2FA) must
    have two-factor sign-in set up before any page but the set-up page opens."""
    setup_page = getattr(view, "two_factor_setup", False)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        from portal.services.accounts.staff_two_factor import staff_two_factor_missing

        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), login_url=reverse("staff:login"))
        if not setup_page and staff_two_factor_missing(user):
            return redirect("staff:two_factor")
        return view(request, *args, **kwargs)

    return wrapper
