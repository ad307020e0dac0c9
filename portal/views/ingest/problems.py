"""Every problem type the ingest endpoints answer with (RFC 9457 application/problem+json):
slug, title, status and description in one table, and the mapping from the services'
domain errors to them. The /api/problems/<slug> pages are built from the same table."""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse

from portal.errors import NotFound, ServiceError
from portal.selectors.pagination import BadCursor
from portal.services.sites.api_keys import KeyRefused, TenantBlocked
from portal.services.accounts.api_tokens import ScopeMissing, TenantReadOnly, TokenRefused
from portal.services.ingest.browser_forms import BrowserCapReached, DomainUnverified, FormUnavailable, OriginRefused
from portal.services.ingest.captcha import CaptchaFailed
from portal.services.ingest.files import (FileStorageQuotaExceeded, FilesTooLarge, FileTooLarge, TextPartsTooLarge,
                                   TooManyFiles)
from portal.services.ingest.store import (BodyTooLarge, IdempotencyKeyReused, InvalidSubmission, LengthRequired,
                                    MalformedRequest, QuotaExceeded, RateLimited, UnsupportedMediaType)


class InvalidParameter(ServiceError):
    """A query parameter or body of the read/action API that is not valid (the message names it)."""


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    status: int
    description: str


MALFORMED = ProblemType("malformed-request", "Malformed request", 400,
                        "The body could not be read: malformed JSON, invalid UTF-8, an empty body or a bad header.")
INVALID_KEY = ProblemType("invalid-api-key", "Invalid API key", 401,
                          "The Authorization header is missing, or its key is unknown or revoked.")
BLOCKED = ProblemType("account-blocked", "Submissions not accepted", 403,
                      "The account is suspended or closed, or a browser form was posted from another origin.")
DOMAIN_UNVERIFIED = ProblemType("domain-unverified", "Domain not verified", 403,
                                "Browser forms are accepted only for sites whose domain is verified (a DNS TXT record "
                                "or a file under /.well-known/, checked from the site's page in the portal). The API "
                                "with a site key works for unverified sites.")
NOT_FOUND = ProblemType("not-found", "Unknown form", 404, "No active site with this id.")
TOO_LARGE = ProblemType("body-too-large", "Request body too large", 413,
                        "The body is over the size limit (256 KB by default; for multipart bodies with files, "
                        "the plan's files per submission plus 256 KB of text fields).")
FILE_TOO_LARGE = ProblemType("file-too-large", "File too large", 413,
                             "One file is over the plan's size limit per file (10 MB by default); the detail names "
                             "it. Nothing was stored.")
FILES_TOO_LARGE = ProblemType("files-too-large", "Files too large", 413,
                              "The files of one submission are over the plan's limit together (25 MB by default); "
                              "the detail names the file that crossed it. Nothing was stored.")
TOO_MANY_FILES = ProblemType("too-many-files", "Too many files", 422,
                             "More files in one submission than the plan allows (10 by default). Nothing was stored.")
FILE_QUOTA = ProblemType("file-storage-quota-exceeded", "File storage quota reached", 429,
                         "The plan's file storage for this month is used up; Retry-After says when the month ends. "
                         "Submissions without files are still accepted.")
UNSUPPORTED = ProblemType("unsupported-media-type", "Unsupported media type", 415,
                          "Send application/json, application/x-www-form-urlencoded or multipart/form-data, in UTF-8.")
INVALID = ProblemType("invalid-submission", "Invalid submission", 422,
                      "form_id is missing or invalid, or the fields break a limit: at most 200 fields, names up to "
                      "100 characters, values strings or lists of strings.")
LENGTH_REQUIRED = ProblemType("length-required", "Length required", 411,
                              "The request has no Content-Length header (a chunked body): send the body with its "
                              "length.")
KEY_REUSED = ProblemType("idempotency-key-reused", "Idempotency-Key reused", 422,
                         "This Idempotency-Key was first used with a different request (another body, form or "
                         "site): key reused with another request. Use a new key for each new submission.")
UNAVAILABLE = ProblemType("service-unavailable", "Service unavailable", 503,
                          "The data store is not answering; nothing was stored. Retry after Retry-After seconds.")
CAPTCHA_FAILED = ProblemType("captcha-failed", "CAPTCHA check failed", 403,
                             "This site requires a CAPTCHA on browser posts and the provider did not confirm the "
                             "token (missing, wrong, expired, or a reCAPTCHA v3 score below the site's minimum).")
BROWSER_CAP = ProblemType("browser-daily-cap", "Daily browser posts reached", 429,
                          "The site's daily cap of browser form posts is reached; Retry-After says when the UTC day "
                          "ends.")
RATE_LIMITED = ProblemType("rate-limited", "Too many requests", 429,
                           "Too many requests for this key in a short time; wait for Retry-After seconds.")
QUOTA = ProblemType("monthly-quota-exceeded", "Monthly quota reached", 429,
                    "The plan's monthly submissions are used up; Retry-After says when the month ends.")

# The read/action API (/api/v1/... with an API token).
INVALID_TOKEN = ProblemType("invalid-api-token", "Invalid API token", 401,
                            "The Authorization header is missing, or its API token is unknown or revoked. Site keys "
                            "(fbk_) only send submissions.")
SCOPE_MISSING = ProblemType("insufficient-scope", "Token lacks a scope", 403,
                            "The API token is valid but was not given the scope this operation needs.")
READ_ONLY = ProblemType("account-read-only", "Account read-only", 403,
                        "The account is suspended: the API answers reads but changes nothing.")
RESOURCE_NOT_FOUND = ProblemType("resource-not-found", "Not found", 404,
                                 "No such item in your account (the same answer for another account's ids).")
INVALID_PARAMETER = ProblemType("invalid-parameter", "Invalid parameter", 400,
                                "A query parameter or the body is invalid: the detail names it.")
INVALID_CURSOR = ProblemType("invalid-cursor", "Invalid cursor", 400,
                             "The cursor is malformed, expired, or belongs to another list or account: start from "
                             "the first page.")
REFUSED = ProblemType("action-refused", "Action refused", 409,
                      "The action cannot be done in the item's current state (the detail says why).")

PROBLEM_TYPES = {p.slug: p for p in (INVALID_TOKEN, SCOPE_MISSING, READ_ONLY, RESOURCE_NOT_FOUND, INVALID_PARAMETER,
                                     INVALID_CURSOR, REFUSED, MALFORMED, INVALID_KEY, BLOCKED, TOO_LARGE, UNSUPPORTED, INVALID, RATE_LIMITED,
                                     QUOTA, NOT_FOUND, LENGTH_REQUIRED, KEY_REUSED, UNAVAILABLE, CAPTCHA_FAILED,
                                     BROWSER_CAP, DOMAIN_UNVERIFIED, FILE_TOO_LARGE, FILES_TOO_LARGE, TOO_MANY_FILES,
                                     FILE_QUOTA)}

# Most specific first: each domain error and the problem type that answers it.
_ANSWERS = [
    (FileTooLarge, FILE_TOO_LARGE), (FilesTooLarge, FILES_TOO_LARGE), (TooManyFiles, TOO_MANY_FILES),
    (TextPartsTooLarge, TOO_LARGE), (FileStorageQuotaExceeded, FILE_QUOTA),
    (MalformedRequest, MALFORMED), (KeyRefused, INVALID_KEY), (TenantBlocked, BLOCKED), (OriginRefused, BLOCKED),
    (DomainUnverified, DOMAIN_UNVERIFIED), (FormUnavailable, NOT_FOUND), (BodyTooLarge, TOO_LARGE), (UnsupportedMediaType, UNSUPPORTED),
    (CaptchaFailed, CAPTCHA_FAILED), (BrowserCapReached, BROWSER_CAP), (LengthRequired, LENGTH_REQUIRED), (IdempotencyKeyReused, KEY_REUSED),
    (InvalidSubmission, INVALID), (RateLimited, RATE_LIMITED), (QuotaExceeded, QUOTA),
]
# The domain errors the ingest views answer with a problem.
REFUSALS = tuple(error for error, _ in _ANSWERS)
# The read/action API answers these too; ServiceError (any other business refusal) last.
_API_ANSWERS = [(TokenRefused, INVALID_TOKEN), (ScopeMissing, SCOPE_MISSING), (TenantReadOnly, READ_ONLY),
                (NotFound, RESOURCE_NOT_FOUND), (InvalidParameter, INVALID_PARAMETER), (BadCursor, INVALID_CURSOR),
                (RateLimited, RATE_LIMITED), (ServiceError, REFUSED)]
API_REFUSALS = tuple(error for error, _ in _API_ANSWERS)
# The 401 explains the HTTP header, which only this layer knows about.
_DETAILS = {INVALID_KEY: "Send a valid site API key as `Authorization: Bearer fbk_...`. "
                         "The key is missing, unknown or revoked."}


@dataclass(frozen=True)
class Problem:
    """One answer: its type, what to fix, and when to retry (seconds), if that applies."""

    type: ProblemType
    detail: str
    retry_after: int | None = None

    @property
    def status(self) -> int:
        return self.type.status

    @property
    def title(self) -> str:
        return self.type.title


def problem_for(error: Exception) -> Problem:
    for error_class, problem_type in _ANSWERS + _API_ANSWERS:
        if isinstance(error, error_class):
            return Problem(type=problem_type, detail=_DETAILS.get(problem_type) or str(error),
                           retry_after=getattr(error, "retry_after", None))
    raise TypeError(f"no problem type for {error!r}")


def unavailable_problem() -> Problem:
    """The answer while DynamoDB does not answer (the middleware's, for API clients)."""
    return Problem(type=UNAVAILABLE, retry_after=settings.INGEST_UNAVAILABLE_RETRY_AFTER,
                   detail="Form-Bridge's data store is not answering: nothing was stored. Retry after "
                          f"{settings.INGEST_UNAVAILABLE_RETRY_AFTER} s with the same Idempotency-Key.")


def problem_response(problem: Problem) -> HttpResponse:
    body = {"type": f"{settings.SITE_URL}/api/problems/{problem.type.slug}", "title": problem.title,
            "status": problem.status, "detail": problem.detail}
    response = HttpResponse(json.dumps(body), status=problem.status, content_type="application/problem+json")
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    if problem.type is INVALID_KEY or problem.type is INVALID_TOKEN:
        response["WWW-Authenticate"] = 'Bearer realm="form-bridge"'
    return response
