"""The agency's choices for each report, kept on the tenant item (`reportSettings`): whether
it is e-mailed each month, in which time zone the 1st is, which extra addresses get it, and
which recipients opted out. Written by portal.services.reports.settings."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.dynamo.tenants import Tenant
from portal.selectors.reports.subjects import ReportSubject

DEFAULT_TIMEZONE = "UTC"


@dataclass
class ReportSettings:
    send: bool = False  # the owner chooses which reports are e-mailed (none by default)
    timezone: str = DEFAULT_TIMEZONE
    extra_recipients: list[str] = field(default_factory=list)  # addresses without a portal account
    opted_out: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"send": self.send, "tz": self.timezone, "to": list(self.extra_recipients),
                "optedOut": sorted(set(self.opted_out))}


def report_settings(*, tenant: Tenant, report_key: str) -> ReportSettings:
    raw = ((tenant.reportSettings or {}).get("reports") or {}).get(report_key) or {}
    return ReportSettings(send=bool(raw.get("send")), timezone=raw.get("tz") or DEFAULT_TIMEZONE,
                          extra_recipients=list(raw.get("to") or []), opted_out=list(raw.get("optedOut") or []))


def report_recipients(*, subject: ReportSubject, settings: ReportSettings) -> list[str]:
    """Who gets the e-mail: the client's users and the extra addresses, less who opted out."""
    out = {address.lower() for address in settings.opted_out}
    everyone = list(subject.client_emails) + list(settings.extra_recipients)
    seen, result = set(), []
    for address in everyone:
        low = address.lower()
        if low not in out and low not in seen:
            seen.add(low)
            result.append(address)
    return result
