"""Helpers every service uses: optimistic-lock saves and condition-failure detection."""
from __future__ import annotations

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError

from portal.errors import ConcurrentEdit


def is_condition_failure(error: PynamoDBException) -> bool:
    if isinstance(error, TransactWriteError):
        reasons = error.cancellation_reasons or []
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def save_versioned(item, *, condition=None) -> None:
    """Save an item carrying a VersionAttribute; a stale copy raises ConcurrentEdit and writes nothing."""
    try:
        item.save(condition=condition)
    except (PutError, UpdateError) as error:
        if is_condition_failure(error):
            raise ConcurrentEdit() from error
        raise
