"""Where a service's refusal lands on the page that asked for it. Services raise
ServiceError (ConcurrentEdit, FieldErrors, a business rule's message); a view wraps its one
service call in one of these context managers instead of repeating try/except:

    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            product = product_update(...)
            return redirect(...)
    return render(...)  # reached again, with the refusal on the form

NotFound is not a refusal: it passes through to portal.middleware (the 404 page)."""
from __future__ import annotations

from contextlib import contextmanager

from django.contrib import messages

from portal.errors import FieldErrors, ServiceError


def form_add_service_errors(form, error: ServiceError) -> None:
    """Field errors on their fields (or the form when it has no such field), anything else,
    ConcurrentEdit's "changed by someone else, reload" included, on the form as a whole."""
    if isinstance(error, FieldErrors) and error.errors:
        for field, field_messages in error.errors.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(error))


@contextmanager
def refusals_on_form(form):
    """Run a service call; a refusal goes on the form and the view goes on to re-render it."""
    try:
        yield
    except ServiceError as error:
        form_add_service_errors(form, error)


@contextmanager
def refusals_as_messages(request):
    """Run a POST-only action; a refusal becomes an error message for the page it redirects to."""
    try:
        yield
    except ServiceError as error:
        messages.error(request, str(error))
