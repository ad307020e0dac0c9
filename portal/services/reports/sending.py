"""Sending client reports by e-mail: on the 1st by the worker's pass (once per report and
month, claimed by a conditional write), or now by the owner and admins.

Each recipient gets one message of its own (its opt-out link is its own): from the agency's
name, with the agency's logo, the figures as text and tables, the charts as PNG images
inside the message (mail clients strip inline SVG) and the whole report as a PDF attachment."""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from email.mime.image import MIMEImage
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from portal.delivery.email_message import sender_address
from portal.dynamo.base import utcnow
from portal.dynamo.expiring import ReportMark
from portal.dynamo.metrics import tenants_with_counters
from portal.dynamo.tenants import Tenant
from portal.errors import ServiceError
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.reports.figures import ClientReport, month_bounds, previous_month, report_build
from portal.selectors.reports.settings import report_recipients, report_settings
from portal.selectors.reports.subjects import ReportSubject, report_subjects
from portal.services.accounts.branding import brand_logo_open
from portal.services.accounts.throttle import throttle_take
from portal.services.compliance.audit import audit_record
from portal.services.reports import charts
from portal.services.reports.pdf import report_pdf
from portal.services.reports.settings import unsubscribe_token

log = logging.getLogger("portal.reports")

LEASE_SECONDS = 600  # a claimed report not marked sent by then may be claimed by another worker
MARK_KEEP = timedelta(days=400)
SEND_NOW_LIMIT, SEND_NOW_WINDOW = 5, 3600  # "send now" per report and hour


def brand_logo_bytes(tenant: Tenant) -> bytes | None:
    found = brand_logo_open(tenant=tenant, name=tenant.brandLogo or "")
    if found is None:
        return None
    handle, _ = found
    with handle:
        return handle.read()


def _logo_url(tenant: Tenant) -> str | None:
    if not tenant.brandLogo:
        return None
    return settings.SITE_URL + reverse("portal:brand_logo", kwargs={"tenant_id": tenant.id, "name": tenant.brandLogo})


def _inline_png(name: str, data: bytes) -> MIMEImage:
    image = MIMEImage(data, "png")
    image.add_header("Content-ID", f"<{name}>")
    image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
    return image


def report_messages(*, tenant: Tenant, report: ClientReport, recipients: list[str]) -> list[EmailMultiAlternatives]:
    """One message per recipient (each with its own opt-out link); the charts and the PDF are
    drawn once for all of them."""
    month_label = report.month.strftime("%B %Y")
    previous_label = report.previous.first_day.strftime("%B %Y")
    days_png = charts.days_chart(report, fmt="png")
    forms_png = charts.compare_chart(report.forms, month_label=month_label, previous_label=previous_label,
                                     fmt="png") if report.forms else None
    pdf = report_pdf(report=report, agency_name=tenant.display_name, logo=brand_logo_bytes(tenant))
    subject = f"{report.subject.name}: your {month_label} report from {tenant.display_name}"
    report_url = settings.SITE_URL + reverse("portal:report_detail", kwargs={
        "report_key": report.subject.key, "month": report.month.strftime("%Y-%m")})
    messages = []
    for address in recipients:
        unsubscribe_url = settings.SITE_URL + reverse("portal:report_unsubscribe", kwargs={
            "token": unsubscribe_token(tenant_id=tenant.id, report_key=report.subject.key, email=address)})
        context = {"report": report, "agency_name": tenant.display_name, "logo_url": _logo_url(tenant),
                   "month_label": month_label, "previous_label": previous_label, "report_url": report_url,
                   "unsubscribe_url": unsubscribe_url, "has_forms_chart": forms_png is not None}
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("emails/report.txt", context), from_email=sender_address(tenant),
            to=[address], headers={"List-Unsubscribe": f"<{unsubscribe_url}>"})
        message.attach_alternative(render_to_string("emails/report.html", context), "text/html")
        message.attach(_inline_png("days", days_png))
        if forms_png is not None:
            message.attach(_inline_png("forms", forms_png))
        message.attach(f"report-{report.month:%Y-%m}.pdf", pdf, "application/pdf")
        messages.append(message)
    return messages


def _send(tenant: Tenant, report: ClientReport, recipients: list[str]) -> int:
    messages = report_messages(tenant=tenant, report=report, recipients=recipients)
    with get_connection(fail_silently=False) as connection:
        return connection.send_messages(messages) or 0


def report_send_now(*, tenant: Tenant, actor: str, subject: ReportSubject, month: date) -> int:
    """The owner's "send now": this month's report (or a past one) to its recipients at once,
    at most SEND_NOW_LIMIT times an hour per report. The monthly sending is not affected."""
    recipients = report_recipients(subject=subject, settings=report_settings(tenant=tenant, report_key=subject.key))
    if not recipients:
        raise ServiceError("Nobody receives this report: add an address in its settings (or a client user "
                           "for its sites), or ask who opted out to opt in again.")
    if not throttle_take(scope="report-send", subject=f"{tenant.id}#{subject.key}", limit=SEND_NOW_LIMIT,
                         window_seconds=SEND_NOW_WINDOW):
        raise ServiceError(f"This report was sent {SEND_NOW_LIMIT} times in the last hour: try again later.")
    report = report_build(tenant=tenant, subject=subject, month=month)
    sent = _send(tenant, report, recipients)
    audit_record(tenant_id=tenant.id, actor=actor, action="report.send", target_type="report",
                 target_id=subject.key, detail=f"{report.month:%Y-%m} to {sent} recipient(s)")
    return sent


# --- the worker's monthly pass ---------------------------------------------------------------
_month_tenants: dict[str, set[str]] = {}  # a finished month's tenants with counters never change
_month_lock = threading.Lock()


def reset() -> None:
    """Forget what this process remembered of past months (tests empty the tables)."""
    _month_tenants.clear()


def _tenants_of_month(month: date) -> set[str]:
    """Tenants with counters on any day of `month` (DayIndex, one Query per day; no scan),
    remembered per process once the month is over."""
    key = month.strftime("%Y-%m")
    if key in _month_tenants:
        return _month_tenants[key]
    first, last = month_bounds(month)
    found: set[str] = set()
    day = first
    while day <= last:
        found |= tenants_with_counters(day.isoformat())
        day += timedelta(days=1)
    with _month_lock:
        if len(_month_tenants) > 3:
            _month_tenants.clear()
        _month_tenants[key] = found
    return found


def _due_month(*, now: datetime, timezone: str) -> date | None:
    """The month whose report is due now in `timezone`: last month, on days 1 to
    REPORTS_SEND_DAYS of this month there, once the last UTC day of it has ended too (the
    counters are UTC days)."""
    try:
        local = now.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        local = now.date()
    if local.day > settings.REPORTS_SEND_DAYS:
        return None
    month = previous_month(local)
    return month if month_bounds(month)[1] < now.date() else None


def reports_send_due(*, now: datetime | None = None) -> int:
    """Send every report that is due and not sent yet; returns the messages sent. Running it
    again (or in several workers at once) sends nothing twice: each report and month is
    claimed by a conditional write first and marked sent after."""
    now = now or utcnow()
    sent = 0
    # Whatever the time zone, the month due is the last UTC month (see _due_month); tenants
    # without a counter in it received nothing and get no report.
    tenant_ids = _tenants_of_month(previous_month(now.date()))
    for tenant_id in sorted(tenant_ids):
        tenant = tenant_get_or_none(tenant_id=tenant_id)
        if tenant is None or not tenant.active or not (tenant.reportSettings or {}).get("reports"):
            continue
        for subject in report_subjects(tenant=tenant):
            choice = report_settings(tenant=tenant, report_key=subject.key)
            if not choice.send:
                continue
            month = _due_month(now=now, timezone=choice.timezone)
            if month is None:
                continue
            recipients = report_recipients(subject=subject, settings=choice)
            if not recipients:
                continue
            month_key = month.strftime("%Y-%m")
            now_epoch = int(now.timestamp())
            if not ReportMark.claim(tenant_id=tenant.id, report_key=subject.key, month=month_key,
                                    now_epoch=now_epoch, lease_seconds=LEASE_SECONDS, expires=MARK_KEEP):
                continue
            try:
                count = _send(tenant, report_build(tenant=tenant, subject=subject, month=month, today=now.date()),
                              recipients)
            except Exception:  # noqa: BLE001 - released: the next pass tries again
                log.exception("report %s of tenant %s for %s not sent", subject.key, tenant.id, month_key)
                ReportMark.release(tenant_id=tenant.id, report_key=subject.key, month=month_key)
                continue
            ReportMark.mark_sent(tenant_id=tenant.id, report_key=subject.key, month=month_key, now_epoch=now_epoch,
                                 recipients=count)
            audit_record(tenant_id=tenant.id, actor="reports", action="report.send", target_type="report",
                         target_id=subject.key, detail=f"{month_key} to {count} recipient(s), monthly")
            sent += count
    return sent


def report_last_sent(*, tenant: Tenant, subject: ReportSubject, today: date | None = None) -> datetime | None:
    """When last month's report went out by the monthly sending (None: not yet)."""
    today = today or utcnow().date()
    at = ReportMark.sent_at(tenant_id=tenant.id, report_key=subject.key,
                            month=previous_month(today).strftime("%Y-%m"))
    return datetime.fromtimestamp(at, tz=ZoneInfo("UTC")) if at else None


def reports_run_forever(*, stop: threading.Event, interval: float) -> None:
    """The worker's thread: one pass every `interval` seconds until `stop`."""
    while not stop.wait(interval):
        try:
            count = reports_send_due()
            if count:
                log.info("%s monthly report e-mail(s) sent", count)
        except Exception:  # noqa: BLE001 - the next pass tries again
            log.exception("monthly reports pass failed")
