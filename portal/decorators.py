"""Access decorators. Staff pages need a Django is_staff account; tenant pages need a portal
session. Neither grants the other."""
from functools import wraps

from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from portal.services.auth import portal_user_from_session


def tenant_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        found = portal_user_from_session(request.session)
        if found is None:
            return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
        request.portal_user, request.tenant = found
        return view(request, *args, **kwargs)

    return wrapper


staff_required = user_passes_test(lambda user: user.is_active and user.is_staff, login_url="staff:login")
