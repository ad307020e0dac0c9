"""The read/action API: /api/v1/submissions (GET; POST is ingest), /api/v1/submissions/{id}
(GET, PATCH: the lead, DELETE), /api/v1/submissions/{id}/notes (GET, POST), /api/v1/submissions/{id}/resend (POST), /api/v1/submissions/{id}/spam (POST),
/api/v1/destinations (GET). A tenant API token with the operation's scope authenticates; the
tenant comes from the token only. JSON in and out; every refusal is application/problem+json
(portal/views/ingest/problems.py). The contract is portal/api/openapi.json."""
from __future__ import annotations

from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.selectors.access import access_submission
from portal.errors import FieldErrors
from portal.selectors.api import destination_public, note_public, submission_detail_public, submission_public
from portal.selectors.leads import lead_notes
from portal.services.leads.notes import lead_note_add
from portal.services.leads.rules import StateRefused
from portal.services.leads.work import ApiActor, LeadRefused, lead_update
from portal.selectors.destinations import destination_list
from portal.selectors.submissions import submission_list
from portal.services.accounts.api_tokens import (DESTINATIONS_READ, SUBMISSIONS_READ, SUBMISSIONS_WRITE,
                                        api_token_authenticate)
from portal.services.delivery_setup.deliveries import submission_resend_queue
from portal.services.submissions import submission_delete, submission_mark_spam
from portal.views.api.params import (lead_changes, note_body, resend_destination_ids, spam_flag,
                                     submission_list_request)
from portal.views.ingest import endpoints as ingest
from portal.views.ingest.problems import API_REFUSALS, InvalidParameter, problem_for, problem_response

BODY_LIMIT = 16 * 1024


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def api_operation(scope: str, *, write: bool = False):
    """Authenticate the token for `scope`, call the view with (request, token, tenant, ...),
    and answer every domain refusal with its problem document."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                token, tenant = api_token_authenticate(authorization=request.headers.get("Authorization"),
                                                       scope=scope, write=write)
                return view(request, token, tenant, *args, **kwargs)
            except API_REFUSALS as refused:
                return problem_response(problem_for(refused))

        return wrapper

    return decorate


def _body(request) -> bytes:
    """The JSON body (at most BODY_LIMIT); a body of another type counts as none."""
    if request.content_type != "application/json":
        return b""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > BODY_LIMIT:
        raise InvalidParameter(f"body: at most {BODY_LIMIT // 1024} KB of JSON.")
    return request.read(BODY_LIMIT + 1)[:BODY_LIMIT]


def _actor(token) -> str:
    return f"api-token:{token.displayPrefix}"


@api_operation(SUBMISSIONS_READ)
def _submission_index(request, token, tenant):
    wanted = submission_list_request(request.GET)
    page = submission_list(tenant=tenant, filters=wanted.filters, cursor=wanted.cursor, limit=wanted.limit)
    return _json({"data": [submission_public(item) for item in page.items], "next_cursor": page.next_cursor})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def submissions_collection(request):
    """GET lists submissions (API token); POST is the ingest endpoint (site key)."""
    if request.method == "GET":
        return _submission_index(request)
    return ingest.api_submissions(request)


@api_operation(SUBMISSIONS_READ)
def _submission_get(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    return _json(submission_detail_public(tenant_id=tenant.id, submission=submission))


@api_operation(SUBMISSIONS_WRITE, write=True)
def _submission_delete(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    submission_delete(tenant=tenant, actor=_actor(token), submission=submission, reason="Deleted through the API.")
    return HttpResponse(status=204)


@api_operation(SUBMISSIONS_WRITE, write=True)
def _submission_patch(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    changes, version = lead_changes(_body(request))
    try:
        submission = lead_update(tenant=tenant, actor=ApiActor.of_token(token), submission=submission,
                                 expected_version=version, **changes)
    except StateRefused as error:
        raise LeadRefused(str(error)) from error  # a move the lead's current state refuses: 409
    except FieldErrors as error:
        raise InvalidParameter(f"{error.field or 'body'}: {error}") from error
    return _json(submission_public(submission))


@csrf_exempt
@require_http_methods(["GET", "PATCH", "DELETE"])
def submission_item(request, submission_id):
    if request.method == "DELETE":
        return _submission_delete(request, submission_id)
    if request.method == "PATCH":
        return _submission_patch(request, submission_id)
    return _submission_get(request, submission_id)


@api_operation(SUBMISSIONS_READ)
def _notes_get(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    return _json({"data": [note_public(note) for note in lead_notes(tenant=tenant, submission=submission)]})


@api_operation(SUBMISSIONS_WRITE, write=True)
def _notes_post(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    text = note_body(_body(request))
    try:
        note = lead_note_add(tenant=tenant, actor=ApiActor.of_token(token), submission=submission, body=text)
    except FieldErrors as error:
        raise InvalidParameter(f"body: {error}") from error
    return _json(note_public(note), status=201)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def submission_notes(request, submission_id):
    if request.method == "POST":
        return _notes_post(request, submission_id)
    return _notes_get(request, submission_id)


@csrf_exempt
@require_http_methods(["POST"])
@api_operation(SUBMISSIONS_WRITE, write=True)
def submission_resend(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    destination_ids = resend_destination_ids(_body(request))
    queued = submission_resend_queue(tenant=tenant, actor=_actor(token), submission=submission,
                                     destination_ids=destination_ids)
    return _json({"id": submission.id, "queued_destination_ids": queued}, status=202)


@csrf_exempt
@require_http_methods(["POST"])
@api_operation(SUBMISSIONS_WRITE, write=True)
def submission_spam(request, token, tenant, submission_id):
    submission = access_submission(tenant=tenant, submission_id=submission_id)
    spam = spam_flag(_body(request))
    submission = submission_mark_spam(tenant=tenant, actor=_actor(token), submission=submission, spam=spam)
    return _json(submission_public(submission))


@csrf_exempt
@require_http_methods(["GET"])
@api_operation(DESTINATIONS_READ)
def destination_index(request, token, tenant):
    return _json({"data": [destination_public(d) for d in destination_list(tenant_id=tenant.id)]})
