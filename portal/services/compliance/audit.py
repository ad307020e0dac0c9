"""The audit trail: one entry per write, on the tenant's trail and/or the staff trail."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.dynamo.audit import STAFF_PARTITION, AuditEntry
from portal.dynamo.base import new_id, utcnow

AUDIT_RETENTION = timedelta(days=400)


def audit_record(*, tenant_id: str | None, actor: str, action: str, target_type: str, target_id: str,
                 before: Any = None, after: Any = None, detail: str | None = None, staff: bool = False) -> None:
    """Write the entry to the tenant's trail (when there is a tenant) and, for staff actions,
    to the console-wide trail."""
    now = utcnow()
    sort_key = f"{now.isoformat()}#{new_id()}"
    partitions = []
    if tenant_id:
        partitions.append(AuditEntry.partition_for(tenant_id))
    if staff:
        partitions.append(STAFF_PARTITION)
    for partition in partitions:
        AuditEntry(
            pk=partition, sk=sort_key, tenantId=tenant_id, at=now, actor=actor, action=action,
            targetType=target_type, targetId=target_id, before=before, after=after, detail=detail,
            ttl=AUDIT_RETENTION,
        ).save()
