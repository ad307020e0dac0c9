"""Re-encrypt every encrypted field under the newest FIELD_ENCRYPTION_KEYS key, so an older
key can be removed from the list (README: rotating the field encryption key)."""
from __future__ import annotations

from dataclasses import dataclass

from portal.crypto import field_is_current, field_reencrypt
from portal.dynamo.base import save_versioned
from portal.dynamo.destinations import Destination
from portal.dynamo.sites import Site
from portal.dynamo.users import PortalUser
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
    if destination.credentialsEncrypted and not field_is_current(destination.credentialsEncrypted):
        destination.credentialsEncrypted = field_reencrypt(destination.credentialsEncrypted)  # an integration's
        changed = True
    return changed


def _reencrypt_user(user: PortalUser) -> bool:
    """A tenant user's two-factor secrets (confirmed and pending)."""
    changed = False
    for name in ("totpSecretEncrypted", "totpPendingEncrypted"):
        token = getattr(user, name)
        if token and not field_is_current(token):
            setattr(user, name, field_reencrypt(token))
            changed = True
    return changed


def _reencrypt_site(site: Site) -> bool:
    """A site's CAPTCHA secret (its protection page)."""
    if site.captchaSecretEncrypted and not field_is_current(site.captchaSecretEncrypted):
        site.captchaSecretEncrypted = field_reencrypt(site.captchaSecretEncrypted)
        return True
    return False


def _rewrite_if_stale(token: str) -> str | None:
    return None if field_is_current(token) else field_reencrypt(token)


def _reencrypt_items(report: ReencryptReport, items, *, holds_secret, reencrypt, dry_run: bool) -> None:
    for item in items:
        if not holds_secret(item):
            continue
        report.checked += 1
        if not reencrypt(item):
            continue
        if dry_run:
            report.rewritten += 1
            continue
        try:
            save_versioned(item)  # the version check keeps a concurrent rotation's secret
        except ConcurrentEdit:
            report.busy += 1
        else:
            report.rewritten += 1


def secrets_reencrypt(*, dry_run: bool = False) -> ReencryptReport:
    """Rewrite every value not readable by the newest key alone: destination signing secrets,
    sites' CAPTCHA secrets, tenant users' and staff's two-factor secrets; idempotent (a second run rewrites nothing).
    DecryptionFailed means a key still needed was removed already."""
    from portal.services.accounts.staff_two_factor import staff_secrets_reencrypt

    report = ReencryptReport()
    _reencrypt_items(report, Destination.every_tenants(), dry_run=dry_run, reencrypt=_reencrypt_destination,
                     holds_secret=lambda d: d.secretEncrypted or d.previousSecrets or d.credentialsEncrypted)
    _reencrypt_items(report, Site.every_tenants(), dry_run=dry_run, reencrypt=_reencrypt_site,
                     holds_secret=lambda s: s.captchaSecretEncrypted)
    _reencrypt_items(report, PortalUser.every_tenants(), dry_run=dry_run, reencrypt=_reencrypt_user,
                     holds_secret=lambda u: u.totpSecretEncrypted or u.totpPendingEncrypted)
    checked, rewritten, busy = staff_secrets_reencrypt(rewrite=_rewrite_if_stale, dry_run=dry_run)
    report.checked, report.rewritten, report.busy = report.checked + checked, report.rewritten + rewritten, \
        report.busy + busy
    return report
