"""Counts and times the ingest endpoints from outside their views (they change often): the
request's URL name says whether it was an ingest request, its answer gives the status."""
from __future__ import annotations

import time

from portal.observability import metrics


class IngestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (match is not None and match.namespace == "portal" and match.url_name in metrics.INGEST_ENDPOINTS
                and request.method == "POST"):  # GET /api/v1/submissions is the read API, not ingest
            metrics.ingest_observed(url_name=match.url_name, status=response.status_code,
                                    seconds=time.perf_counter() - started)
        return response
