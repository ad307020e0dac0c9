"""The ingest endpoints (DESIGN section 6): POST /api/v1/submissions for servers with an API
key, POST /f/{siteId}/{formId} for plain HTML forms in browsers. Errors are RFC 9457
application/problem+json."""
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.dynamo.sites import Site
from portal.forms.ingest import clean_submission, parse_body, read_body
from portal.selectors.tenants import tenant_get_or_none
from portal.services.api_keys import KeyRefused, TenantBlocked, api_key_authenticate, api_key_mark_used
from portal.services.ingest import IngestRefused, ingest_rate_check, submission_ingest
from portal.views.utils import client_ip

PROBLEM_TYPES = {
    "malformed-request": "The body could not be read: malformed JSON, invalid UTF-8, an empty body or a bad header.",
    "invalid-api-key": "The Authorization header is missing, or its key is unknown or revoked.",
    "account-blocked": "The account is suspended or closed, or a browser form was posted from another origin.",
    "body-too-large": "The body is over the size limit (256 KB by default).",
    "unsupported-media-type": "Send application/json, application/x-www-form-urlencoded or multipart/form-data, in UTF-8.",
    "invalid-submission": "form_id is missing or invalid, or the fields break a limit: at most 200 fields, names up to "
                          "100 characters, values strings or lists of strings.",
    "rate-limited": "Too many requests for this key in a short time; wait for Retry-After seconds.",
    "monthly-quota-exceeded": "The plan's monthly submissions are used up; Retry-After says when the month ends.",
    "not-found": "No active site with this id.",
}


def problem_response(refused: IngestRefused) -> HttpResponse:
    body = {"type": f"{settings.SITE_URL}/api/problems/{refused.slug}", "title": refused.title,
            "status": refused.status, "detail": refused.detail}
    response = HttpResponse(json.dumps(body), status=refused.status, content_type="application/problem+json")
    if refused.retry_after is not None:
        response["Retry-After"] = str(refused.retry_after)
    if refused.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="form-bridge"'
    return response


def problem_type(request, slug):
    if slug not in PROBLEM_TYPES:
        raise Http404()
    return render(request, "portal/ingest/problem_type.html", {"slug": slug, "description": PROBLEM_TYPES[slug]})


@csrf_exempt
@require_POST
def api_submissions(request):
    try:
        try:
            key, tenant = api_key_authenticate(authorization=request.headers.get("Authorization"))
        except KeyRefused:
            raise IngestRefused.unauthorized() from None
        except TenantBlocked:
            raise IngestRefused.forbidden() from None
        ingest_rate_check(subject=f"key:{key.id}")
        body = read_body(request)
        submission = clean_submission(parse_body(request, body))
        result = submission_ingest(
            tenant=tenant, site_id=key.siteId, form_id=submission.form_id, fields=submission.fields,
            meta=submission.meta, idempotency_key=request.headers.get("Idempotency-Key"),
        )
    except IngestRefused as refused:
        return problem_response(refused)
    api_key_mark_used(key=key)
    response = JsonResponse({"id": result.submission_id, "status": "accepted"}, status=202)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _same_site(host: str, domain: str) -> bool:
    """The site's own domain, with or without www."""
    bare = domain[4:] if domain.startswith("www.") else domain
    return bool(host) and host in (bare, f"www.{bare}")


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or "application/problem+json" in accept


def _form_error(request, refused: IngestRefused):
    if _wants_json(request):
        return problem_response(refused)
    response = render(request, "portal/ingest/form_error.html", {"problem": refused}, status=refused.status)
    if refused.retry_after is not None:
        response["Retry-After"] = str(refused.retry_after)
    return response


@csrf_exempt
@require_POST
def form_post(request, site_id, form_id):
    site = Site.lookup_by_id(site_id)
    try:
        if site is None or not site.active:
            raise IngestRefused(404, "not-found", "Unknown form", "This form is not connected to an active site.")
        origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if not _same_site(_host(origin), site.domain):
            raise IngestRefused.forbidden(f"Forms for this site are accepted only from pages on {site.domain}.")
        tenant = tenant_get_or_none(tenant_id=site.tenantId)
        if tenant is None or not tenant.accepts_submissions:
            raise IngestRefused.forbidden()
        ingest_rate_check(subject=f"site:{site.id}")
        body = read_body(request)
        submission = clean_submission(parse_body(request, body), form_id=form_id)
        meta = {"page_url": request.headers.get("Referer", ""), "referrer": request.headers.get("Referer", ""),
                "user_agent": request.headers.get("User-Agent", "")[:512], "ip": client_ip(request)}
        spam = bool(submission.special.get("_gotcha", "").strip())
        result = submission_ingest(tenant=tenant, site_id=site.id, form_id=submission.form_id,
                                   fields=submission.fields, meta={k: v for k, v in meta.items() if v}, spam=spam)
    except IngestRefused as refused:
        return _form_error(request, refused)
    if _wants_json(request):
        return JsonResponse({"id": result.submission_id, "status": "accepted"}, status=202)
    next_url = submission.special.get("_next", "")
    if next_url and _same_site(_host(next_url), site.domain) and urlsplit(next_url).scheme in ("http", "https"):
        return HttpResponseRedirect(next_url)
    back = origin if _same_site(_host(origin), site.domain) else ""
    return render(request, "portal/ingest/thanks.html", {"back": back, "site": site})
