"""The operators' metrics and the small functions that feed them. Callers say what happened
(`delivery_observed("delivered", channel="webhook", seconds=0.2)`) and never touch
prometheus_client; its multiprocess mode is chosen by PROMETHEUS_MULTIPROC_DIR being set
before this module is first imported (gunicorn.conf.py does that for the web processes).

Every metric lives in REGISTRY, not prometheus_client's global one, so the exposition shows
exactly these (plus the due-queue gauges computed on scrape, see exposition.py)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

INGEST_ENDPOINTS = {"api_submissions": "api", "form_post": "form"}  # URL name -> label

INGEST_REQUESTS = Counter(
    "formbridge_ingest_requests", "Ingest requests answered, by endpoint (api, form) and HTTP status.",
    ["endpoint", "status"], registry=REGISTRY,
)
INGEST_SECONDS = Histogram(
    "formbridge_ingest_duration_seconds", "Time to answer an ingest request, by endpoint.",
    ["endpoint"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERY_ATTEMPTS = Counter(
    "formbridge_delivery_attempts", "Delivery attempts made, by channel (webhook, email) and outcome "
    "(delivered: 2xx; rejected: the receiver answered otherwise; error: no answer, timeout, refused address).",
    ["channel", "outcome"], registry=REGISTRY,
)
DELIVERY_SECONDS = Histogram(
    "formbridge_delivery_duration_seconds", "Time one delivery attempt took to send, by channel.",
    ["channel"], registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0),
)
WORKER_PASSES = Counter(
    "formbridge_worker_passes", "Passes of the delivery worker over the due queue.", registry=REGISTRY,
)
DYNAMODB_REQUESTS = Counter(
    "formbridge_dynamodb_requests", "DynamoDB API calls (after botocore's retries), by operation and "
    "outcome (ok, error: DynamoDB refused it, unreachable: no answer).",
    ["operation", "outcome"], registry=REGISTRY,
)
DYNAMODB_STATEMENTS = Counter(
    "formbridge_dynamodb_statements", "Statements sent inside BatchExecuteStatement requests, by outcome "
    "(applied; condition_failed: its condition did not hold, charged like a failed conditional write; "
    "error: refused, e.g. throttled).",
    ["outcome"], registry=REGISTRY,
)
DELIVERY_CLAIMS = Counter(
    "formbridge_delivery_claims", "Leases the delivery worker asked for on due rows, by outcome (taken; "
    "missed: another worker held the row or it was no longer due, a failed conditional write).",
    ["outcome"], registry=REGISTRY,
)
DYNAMODB_THROTTLES = Counter(
    "formbridge_dynamodb_throttles", "Throttled DynamoDB answers, retried or not, by operation.",
    ["operation"], registry=REGISTRY,
)


def ingest_observed(*, url_name: str, status: int, seconds: float) -> None:
    endpoint = INGEST_ENDPOINTS[url_name]
    INGEST_REQUESTS.labels(endpoint=endpoint, status=str(status)).inc()
    INGEST_SECONDS.labels(endpoint=endpoint).observe(seconds)


def delivery_observed(outcome: str, *, channel: str, seconds: float) -> None:
    DELIVERY_ATTEMPTS.labels(channel=channel, outcome=outcome).inc()
    DELIVERY_SECONDS.labels(channel=channel).observe(seconds)


def delivery_result_observed(result) -> None:
    """One attempt's send result (portal.delivery.sender.SendResult): ok, status, duration."""
    outcome = "delivered" if result.ok else ("rejected" if result.status_code else "error")
    delivery_observed(outcome, channel=(result.channel or "webhook").lower(), seconds=(result.duration_ms or 0) / 1000)


def worker_pass_observed() -> None:
    WORKER_PASSES.inc()


def dynamodb_request_observed(*, operation: str, outcome: str) -> None:
    DYNAMODB_REQUESTS.labels(operation=operation, outcome=outcome).inc()


def dynamodb_throttle_observed(*, operation: str) -> None:
    DYNAMODB_THROTTLES.labels(operation=operation).inc()


def statement_observed(*, outcome: str) -> None:
    DYNAMODB_STATEMENTS.labels(outcome=outcome).inc()


def claim_observed(*, taken: bool) -> None:
    DELIVERY_CLAIMS.labels(outcome="taken" if taken else "missed").inc()
