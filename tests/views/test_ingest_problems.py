"""One problems module owns every ingest problem type (issue 9, section 5): each domain error
the ingest services raise has exactly one answer, and each answer has its page."""
import pytest
from django.test import Client
from django.utils.html import escape

from portal.services.sites.api_keys import KeyRefused, TenantBlocked
from portal.services.ingest.browser_forms import BrowserCapReached, FormUnavailable, OriginRefused
from portal.services.ingest.captcha import CaptchaFailed
from portal.services.ingest.store import (BodyTooLarge, IdempotencyKeyReused, IngestRefused, InvalidSubmission,
                                    LengthRequired, MalformedRequest, QuotaExceeded, RateLimited, UnsupportedMediaType)
from portal.views.ingest.problems import PROBLEM_TYPES, REFUSALS, problem_for, problem_response


@pytest.mark.parametrize("error, status, slug", [
    (MalformedRequest("bad"), 400, "malformed-request"),
    (KeyRefused(), 401, "invalid-api-key"),
    (TenantBlocked(), 403, "account-blocked"),
    (OriginRefused("shop.example"), 403, "account-blocked"),
    (FormUnavailable(), 404, "not-found"),
    (BodyTooLarge(256 * 1024), 413, "body-too-large"),
    (UnsupportedMediaType("text/plain"), 415, "unsupported-media-type"),
    (InvalidSubmission("form_id is required."), 422, "invalid-submission"),
    (RateLimited(7), 429, "rate-limited"),
    (QuotaExceeded(quota=1000, retry_after=99), 429, "monthly-quota-exceeded"),
    (LengthRequired("Send a Content-Length header."), 411, "length-required"),
    (IdempotencyKeyReused(), 422, "idempotency-key-reused"),
    (CaptchaFailed("The Turnstile check failed."), 403, "captcha-failed"),
    (BrowserCapReached(cap=100, retry_after=60), 429, "browser-daily-cap"),
])
def test_each_domain_error_has_one_problem_type_and_a_page(error, status, slug):
    problem = problem_for(error)
    assert (problem.status, problem.type.slug) == (status, slug) and problem.title and problem.detail
    assert problem_response(problem).status_code == status
    assert not {"status", "slug", "title"} & set(vars(error))  # services never mention HTTP
    page = Client().get(f"/api/problems/{slug}")
    assert page.status_code == 200 and escape(PROBLEM_TYPES[slug].description) in page.content.decode()


def test_every_ingest_refusal_is_answered():
    def subclasses(cls):
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}
    assert subclasses(IngestRefused) - {IngestRefused} <= set(REFUSALS)


def test_retry_after_travels_from_the_error_to_the_header():
    response = problem_response(problem_for(QuotaExceeded(quota=10, retry_after=3600)))
    assert response["Retry-After"] == "3600" and "10 submissions" in response.content.decode()


def test_unknown_problem_slug_is_404():
    assert Client().get("/api/problems/no-such-problem").status_code == 404
