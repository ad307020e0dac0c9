"""Turns errors raised below the views into answers, in one place:

- an unreachable DynamoDB endpoint: one clear 503 instead of a traceback;
- NotFound (missing or not yours, from selectors.access): the 404 page;
- BadCursor (a forged, foreign or expired page link): the first page of the same list, with
  the reason as a message.

Refusals a user can act on (ConcurrentEdit, FieldErrors, other ServiceErrors) belong to the
page that made the request: portal.views.refusals puts them on its form or in its messages."""
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from portal.dynamo.connection.health import endpoint_unreachable
from portal.errors import NotFound
from portal.selectors.pagination import BadCursor

logger = logging.getLogger("portal")


def _api_client(request) -> bool:
    """API paths, and browser-form posts that asked for JSON, get a problem document; pages keep
    the readable message."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/f/") and ("application/json" in accept or "problem+json" in accept)


class DynamoUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not endpoint_unreachable(exception):
            return None
        where = settings.DYNAMODB_ENDPOINT_URL or "AWS DynamoDB"
        logger.error("DynamoDB is not answering at %s (DYNAMODB_ENDPOINT_URL)", where)
        if _api_client(request):
            from portal.views.ingest.problems import problem_response, unavailable_problem
            return problem_response(unavailable_problem())
        return HttpResponse(
            "Form-Bridge is temporarily unavailable: its data store is not answering. Please try again shortly.",
            status=503, content_type="text/plain",
        )


def first_page_redirect(request, error: Exception):
    """A bad or foreign cursor: say so and go back to the first page of the same list, its
    filters kept."""
    messages.error(request, str(error))
    params = {k: v for k, v in request.GET.items() if k != "cursor"}
    return redirect(request.path + (f"?{urlencode(params)}" if params else ""))


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception)))
        if isinstance(exception, BadCursor):
            return first_page_redirect(request, exception)
        return None
