"""Turns an unreachable DynamoDB endpoint into one clear 503 instead of a traceback."""
import logging

from django.conf import settings
from django.http import HttpResponse

from .dynamo.health import endpoint_unreachable

logger = logging.getLogger("portal")


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
        return HttpResponse(
            "Form-Bridge is temporarily unavailable: its data store is not answering. Please try again shortly.",
            status=503, content_type="text/plain",
        )
