"""What DynamoDB sees of us, for the operators' metrics: every API call the models make (by
operation and outcome) and every throttled response (each one, retried or not). Hooked into
the botocore session that PynamoDB creates for each model and thread (see base.py), so no call
site needs to know; the numbers go to portal.observability.metrics."""
from __future__ import annotations

import logging

from portal.observability import metrics

from portal.dynamo.connection import capacity

log = logging.getLogger("portal.dynamo")

# Error codes with which DynamoDB says "slow down" (botocore's standard retry list for it).
THROTTLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "ThrottledException", "Throttling", "TransactionInProgressException", "LimitExceededException",
})


def _error_code(parsed) -> str | None:
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    return error.get("Code") if isinstance(error, dict) else None


def _after_call(*, http_response=None, parsed=None, model=None, **_) -> None:
    """One per API call, after botocore's own retries; error answers come here too."""
    try:
        failed = http_response is not None and http_response.status_code >= 300
        metrics.dynamodb_request_observed(operation=model.name, outcome="error" if failed else "ok")
    except Exception:  # metrics must never break a request
        log.exception("DynamoDB request metric failed")


def _after_call_error(*, event_name: str = "", **_) -> None:
    """The call raised before DynamoDB answered (connection refused, timeout). botocore
    passes no operation model here: the operation is the event name's last part."""
    try:
        metrics.dynamodb_request_observed(operation=event_name.rpartition(".")[2], outcome="unreachable")
    except Exception:
        log.exception("DynamoDB request metric failed")


def _needs_retry(*, response=None, operation=None, **_) -> None:
    """Every HTTP answer passes here; a throttled one counts whether or not it is retried.
    Must return None: a value here is read by botocore as a retry delay."""
    try:
        if response is not None and _error_code(response[1]) in THROTTLE_CODES:
            metrics.dynamodb_throttle_observed(operation=operation.name)
    except Exception:
        log.exception("DynamoDB throttle metric failed")
    return None


def _ask_for_capacity(**kwargs) -> None:
    try:
        capacity.ask_for_capacity(**kwargs)
    except Exception:
        log.exception("asking for consumed capacity failed")


def _observe_capacity(**kwargs) -> None:
    try:
        capacity.observe_capacity(**kwargs)
    except Exception:  # an estimate must never break a request
        log.exception("consumed capacity metering failed")


def instrument(session) -> None:
    """Register the hooks on one botocore session (its clients copy them). Besides the
    operators' metrics: every request asks for its consumed capacity, and the units are
    metered for the tenant the calls are for (capacity.py)."""
    session.register("before-parameter-build.dynamodb", _ask_for_capacity,
                     unique_id="formbridge-capacity-ask")
    session.register("after-call.dynamodb", _observe_capacity, unique_id="formbridge-capacity-observe")
    session.register("after-call.dynamodb", _after_call, unique_id="formbridge-metrics-after-call")
    session.register("after-call-error.dynamodb", _after_call_error, unique_id="formbridge-metrics-after-call-error")
    session.register("needs-retry.dynamodb", _needs_retry, unique_id="formbridge-metrics-needs-retry")
