"""Access decorators. Staff pages need a Django is_staff account; tenant pages need a portal
session. Neither grants the other.

A suspended tenant's portal is read-only: tenant_required answers every write (any method
but GET/HEAD/OPTIONS) with 403 and the reason, before the view runs."""
from functools import wraps

from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from portal.dynamo.users import OWNER
from portal.services.auth import portal_user_from_session

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def tenant_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        found = portal_user_from_session(request.session)
        if found is None:
            return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
        request.portal_user, request.tenant = found
        if request.tenant.read_only and request.method not in SAFE_METHODS:
            return render(request, "portal/account/suspended_refused.html", {"tenant": request.tenant}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """A tenant page only the account owner may use; members get 403."""

    @tenant_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.portal_user.role != OWNER:
            return render(request, "portal/account/owner_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


staff_required = user_passes_test(lambda user: user.is_active and user.is_staff, login_url="staff:login")
