"""The ingest endpoints (DESIGN section 6): POST /api/v1/submissions for servers with an API
key, POST /f/{siteId}/{formId} for plain HTML forms in browsers. Errors are RFC 9457
application/problem+json (see problems.py); a browser that does not ask for JSON gets a page."""
import logging

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.errors import NotFound
from portal.selectors.access import access_site
from portal.services.sites.api_keys import KeyRefused, api_key_authenticate, api_key_mark_used
from portal.services.ingest.browser_forms import browser_form_open, browser_form_submit
from portal.dynamo.connection.metering import metered_request
from portal.services.ingest.files import file_limits, received_discard, submission_ingest_with_files
from portal.services.ingest.store import ingest_rate_check
from portal.views.ingest.parsing import submission_from_request
from portal.views.ingest.problems import PROBLEM_TYPES, REFUSALS, problem_for, problem_response
from portal.views.utils import client_ip

logger = logging.getLogger("portal")


def problem_type(request, slug):
    if slug not in PROBLEM_TYPES:
        raise Http404()
    return render(request, "portal/ingest/problem_type.html",
                  {"slug": slug, "description": PROBLEM_TYPES[slug].description})


def _accepted(result) -> JsonResponse:
    return JsonResponse({"id": result.submission_id, "status": "accepted"}, status=202)


def _mark_used(key) -> None:
    """Bookkeeping after the durable write: a failure here must not turn a stored submission
    into a 5xx (the client would retry and, without an Idempotency-Key, store it twice)."""
    try:
        api_key_mark_used(key=key)
    except Exception:  # noqa: BLE001 - best effort by design
        logger.warning("lastUsedAt not recorded for key %s", key.id, exc_info=True)


@csrf_exempt
@require_POST
@metered_request
def api_submissions(request):
    try:
        key, tenant = api_key_authenticate(authorization=request.headers.get("Authorization"), cached=True)
        ingest_rate_check(subject=f"key:{key.id}")
        submission = submission_from_request(request, file_limits=file_limits(tenant=tenant))
        try:
            result = submission_ingest_with_files(
                tenant=tenant, site_id=key.siteId, form_id=submission.form_id, fields=submission.fields,
                meta=submission.meta, received=submission.files,
                idempotency_key=request.headers.get("Idempotency-Key"), idempotency_scope=key.id,
            )
        finally:
            received_discard(submission.files)
    except REFUSALS as refused:
        return problem_response(problem_for(refused))
    _mark_used(key)
    response = _accepted(result)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@never_cache
@require_GET
def api_site(request):
    """GET /api/v1/site: the site a key belongs to (the plugin's "Test connection"). Its domain
    and the account's name, read inside the key's own tenant; a key whose site is gone is 401."""
    try:
        key, tenant = api_key_authenticate(authorization=request.headers.get("Authorization"))
        try:
            site = access_site(tenant=tenant, site_id=key.siteId)
        except NotFound:
            raise KeyRefused() from None
    except REFUSALS as refused:
        return problem_response(problem_for(refused))
    response = JsonResponse({"site_id": site.id, "domain": site.domain, "account": tenant.organization})
    response["Vary"] = "Authorization"
    return response


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or "application/problem+json" in accept


def _form_error(request, refused: Exception):
    problem = problem_for(refused)
    if _wants_json(request):
        return problem_response(problem)
    response = render(request, "portal/ingest/form_error.html", {"problem": problem}, status=problem.status)
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    return response


@csrf_exempt
@require_POST
@metered_request
def form_post(request, site_id, form_id):
    referer = request.headers.get("Referer")
    try:
        form = browser_form_open(site_id=site_id, origin=request.headers.get("Origin"), referer=referer,
                                 ip=client_ip(request))
        submission = submission_from_request(request, form_id=form_id, file_limits=file_limits(tenant=form.tenant))
        try:
            result = browser_form_submit(form=form, form_id=submission.form_id, fields=submission.fields,
                                         special=submission.special, referer=referer, received=submission.files,
                                         user_agent=request.headers.get("User-Agent"), ip=client_ip(request))
        finally:
            received_discard(submission.files)
    except REFUSALS as refused:
        return _form_error(request, refused)
    if _wants_json(request):
        return _accepted(result)
    next_url = form.redirect_target(submission.special)
    if next_url:
        return HttpResponseRedirect(next_url)
    return render(request, "portal/ingest/thanks.html", {"back": form.back_link(), "site": form.site})
