"""Helpers every service uses: optimistic-lock saves and condition-failure detection."""
from __future__ import annotations

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError

from portal.errors import ConcurrentEdit
from portal.services.audit import audit_record


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


def staff_set_active(item, *, actor: str, active: bool, target_type: str, target_id: str, public_dict,
                     tenant_id: str | None = None):
    """Staff soft delete (active=False) or restore of an activatable entity: a version-checked
    save and an audit entry with before and after. Nothing is ever physically deleted."""
    if item.active == active:
        return item
    before = public_dict(item)
    item.active = active
    item.touch(actor)
    save_versioned(item)
    audit_record(tenant_id=tenant_id, actor=actor, action=f"{target_type}.{'restore' if active else 'delete'}",
                 target_type=target_type, target_id=target_id, before=before, after=public_dict(item), staff=True)
    return item
