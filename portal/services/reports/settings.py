"""Changing a report's settings (owner and admins) and a recipient's opt-out (a client on its
report page, or anyone through the link in the e-mail). The settings live on the tenant item;
every change is a versioned save (a stale copy is refused, or re-read and retried for the
opt-out, which nobody edits by hand) and is written to the audit trail."""
from __future__ import annotations

import zoneinfo

from django.core import signing
from django.core.validators import validate_email
from django.core.exceptions import ValidationError

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, FieldErrors, NotFound
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.reports.settings import ReportSettings, report_settings
from portal.selectors.reports.subjects import ReportSubject, report_subjects
from portal.services.compliance.audit import audit_record

MAX_EXTRA_RECIPIENTS = 5
_SALT = "portal.reports.unsubscribe"


class InvalidReportSettings(FieldErrors):
    pass


def timezone_choices() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _store(tenant: Tenant, report_key: str, settings: ReportSettings) -> None:
    data = dict(tenant.reportSettings or {})
    reports = dict(data.get("reports") or {})
    reports[report_key] = settings.as_json()
    data["reports"] = reports
    tenant.reportSettings = data


def report_settings_update(*, tenant: Tenant, actor: str, subject: ReportSubject, version: int, send: bool,
                           timezone: str, extra_recipients: list[str]) -> ReportSettings:
    """Whether the report is e-mailed on the 1st, in which time zone, and to which addresses
    besides the client's users. Bad input raises InvalidReportSettings and changes nothing; a
    stale copy raises ConcurrentEdit."""
    errors: dict[str, list[str]] = {}
    if timezone not in zoneinfo.available_timezones():
        errors["timezone"] = ["Choose a time zone from the list."]
    addresses = []
    for address in extra_recipients:
        address = address.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors["recipients"] = [f"Not an e-mail address: {address[:80]}"]
            break
        if address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    if len(addresses) > MAX_EXTRA_RECIPIENTS:
        errors["recipients"] = [f"At most {MAX_EXTRA_RECIPIENTS} addresses."]
    if errors:
        raise InvalidReportSettings(errors=errors)
    before = report_settings(tenant=tenant, report_key=subject.key)
    after = ReportSettings(send=bool(send), timezone=timezone, extra_recipients=addresses,
                           opted_out=before.opted_out)
    tenant.version = version
    _store(tenant, subject.key, after)
    tenant.touch(actor)
    save_versioned(tenant)
    audit_record(tenant_id=tenant.id, actor=actor, action="report.settings", target_type="report",
                 target_id=subject.key, before=before.as_json(), after=after.as_json())
    return after


def report_opt_set(*, tenant_id: str, report_key: str, email: str, opted_out: bool, actor: str) -> None:
    """Stop (or start again) e-mailing this report to `email`. Only a current recipient's
    address is kept, so the list stays as small as the recipients. Re-read and retried when
    someone else saved the tenant meanwhile."""
    email = email.strip().lower()
    for _ in range(5):
        tenant = tenant_get_or_none(tenant_id=tenant_id)
        if tenant is None:
            raise NotFound()
        subject = next((s for s in report_subjects(tenant=tenant) if s.key == report_key), None)
        if subject is None:
            raise NotFound()
        settings = report_settings(tenant=tenant, report_key=report_key)
        known = {a.lower() for a in list(subject.client_emails) + settings.extra_recipients}
        if email not in known:
            raise NotFound()
        out = {a.lower() for a in settings.opted_out}
        if (email in out) == opted_out:
            return
        settings.opted_out = sorted(out | {email}) if opted_out else sorted(out - {email})
        _store(tenant, report_key, settings)
        tenant.touch(actor)
        try:
            save_versioned(tenant)
        except ConcurrentEdit:
            continue
        audit_record(tenant_id=tenant_id, actor=actor, action="report.opt_out" if opted_out else "report.opt_in",
                     target_type="report", target_id=report_key)
        return
    raise ConcurrentEdit()


def unsubscribe_token(*, tenant_id: str, report_key: str, email: str) -> str:
    """The signed opt-out link's token of one recipient (no sign-in needed to use it)."""
    return signing.dumps({"t": tenant_id, "r": report_key, "e": email.lower()}, salt=_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[str, str, str]:
    """(tenant id, report key, e-mail) of a token, or NotFound for a forged or broken one."""
    try:
        data = signing.loads(token, salt=_SALT)
        return str(data["t"]), str(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound() from None
