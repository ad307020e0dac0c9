"""What the staff-edited entities (products, campaigns, tenants) share: the version check of
an edit form, and soft delete/restore."""
from __future__ import annotations

from portal.dynamo.base import save_versioned
from portal.errors import ConcurrentEdit
from portal.services.compliance.audit import audit_record


def version_check(item, version: int | None):
    """The editor started from `version`; another edit since then is a ConcurrentEdit.
    None means the caller has no version to compare (a fresh read)."""
    if version is not None and item.version != version:
        raise ConcurrentEdit()
    return item


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
