"""Small helpers shared by the staff console's views."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect

from portal.errors import ConcurrentEdit


def actor(request) -> str:
    """The staff username recorded as lastUpdatedBy and in the audit trail."""
    return request.user.get_username()


def first_page_redirect(request, error: Exception):
    """A bad or foreign cursor: say so and go back to the first page of the same list."""
    messages.error(request, str(error))
    params = {k: v for k, v in request.GET.items() if k != "cursor"}
    return redirect(request.path + (f"?{urlencode(params)}" if params else ""))


def concurrent_edit_message(form, error: ConcurrentEdit) -> None:
    form.add_error(None, str(error))
