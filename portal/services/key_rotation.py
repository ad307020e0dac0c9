"""Re-encrypt every encrypted field under the newest FIELD_ENCRYPTION_KEYS key, so an older
key can be removed from the list (README: rotating the field encryption key)."""
from __future__ import annotations

from dataclasses import dataclass

from portal.crypto import field_is_current, field_reencrypt
from portal.dynamo.base import save_versioned
from portal.dynamo.destinations import Destination
from portal.errors import ConcurrentEdit


@dataclass
class ReencryptReport:
    checked: int = 0  # items holding at least one encrypted value
    rewritten: int = 0
    busy: int = 0  # changed by someone else meanwhile: run the command again


def _reencrypt_destination(destination: Destination) -> bool:
    changed = False
    if destination.secretEncrypted and not field_is_current(destination.secretEncrypted):
        destination.secretEncrypted = field_reencrypt(destination.secretEncrypted)
        changed = True
    for previous in destination.previousSecrets or []:
        if not field_is_current(previous.secretEncrypted):
            previous.secretEncrypted = field_reencrypt(previous.secretEncrypted)
            changed = True
    return changed


def secrets_reencrypt(*, dry_run: bool = False) -> ReencryptReport:
    """Rewrite every value not readable by the newest key alone; idempotent (a second run
    rewrites nothing). DecryptionFailed means a key still needed was removed already."""
    report = ReencryptReport()
    for destination in Destination.every_tenants():
        if not (destination.secretEncrypted or destination.previousSecrets):
            continue
        report.checked += 1
        if not _reencrypt_destination(destination):
            continue
        if dry_run:
            report.rewritten += 1
            continue
        try:
            save_versioned(destination)  # the version check keeps a concurrent rotation's secret
        except ConcurrentEdit:
            report.busy += 1
        else:
            report.rewritten += 1
    return report
