"""GET /metrics: the Prometheus exposition, for a scraper holding METRICS_TOKEN.

No token configured: 404, as if the endpoint did not exist. A missing or wrong
`Authorization: Bearer` token: 401. The token is compared in constant time."""
from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from portal.observability.exposition import exposition


def bearer_token_ok(request, expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


@require_GET
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off: set METRICS_TOKEN.")
    if not bearer_token_ok(request, token):
        response = HttpResponse("A valid metrics token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
