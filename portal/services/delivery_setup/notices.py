"""Notices: account events told to the tenant before things go wrong, by e-mail to its owner
and admins and by its operational webhook (signed like deliveries, Standard Webhooks).

Kinds: destination.failing (first failure after success, then at most once a day while it
keeps failing), destination.circuit_open, destination.disabled, destination.recovered,
quota.warning (80% of the month's submissions) and quota.exhausted (100%), once a month each,
and form.silent (a form that usually receives every day has received nothing for
NOTICE_SILENT_HOURS, 48 by default; read from the day counters, no scan).

Each notice is recorded once per event by a conditional put (portal.dynamo.notices), and the
tenant can turn each kind off. The worker (`manage.py deliver`) sends what is pending: the
e-mail once, the webhook with retries (NOTICE_WEBHOOK_DELAYS), then gives up ("failed")."""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail

from portal.crypto import field_decrypt, field_encrypt
from portal.delivery import sender
from portal.delivery.gate import breaker_threshold
from portal.delivery.signing import secret_generate, signature_headers
from portal.dynamo.base import new_id, save_versioned, utcnow
from portal.dynamo.metrics import OTHER_FORMS, day_counts_between, tenants_with_counters
from portal.dynamo.notices import FAILED, OFF, PENDING, SENT, Notice
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import ADMIN, OWNER
from portal.errors import ServiceError
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.users import team_list
from portal.services.compliance.audit import audit_record

log = logging.getLogger("portal.notices")

FAILING, CIRCUIT_OPEN, DISABLED, RECOVERED = ("destination.failing", "destination.circuit_open",
                                              "destination.disabled", "destination.recovered")
QUOTA_WARNING, QUOTA_EXHAUSTED, FORM_SILENT = "quota.warning", "quota.exhausted", "form.silent"
KIND_LABELS = {
    FAILING: "destination.failing: a destination started failing (at most once a day while it fails)",
    CIRCUIT_OPEN: "destination.circuit_open: deliveries to a destination are held after many failures",
    DISABLED: "destination.disabled: a destination was disabled after 5 days of failures",
    RECOVERED: "destination.recovered: a failing destination delivers again",
    QUOTA_WARNING: "quota.warning: 80% of the month's submissions used",
    QUOTA_EXHAUSTED: "quota.exhausted: the month's submissions are used up",
    FORM_SILENT: "form.silent: a form that usually receives every day has gone silent",
}
KINDS = tuple(KIND_LABELS)
QUOTA_WARNING_FRACTION = 0.8
KEEP = timedelta(days=90)  # a notice item's life (its event keys never recur within it)
NOTICE_WEBHOOK_DELAYS = (60, 300, 1800, 7200, 21600)  # after the first try: 6 tries over ~8.5 h
LEASE = timedelta(seconds=60)  # a claimed notice is not sent again by another worker for this long
USUAL_DAYS, BASELINE_DAYS = 6, 7  # "usually receives every day": on 6 of the 7 days before the silence
ACTOR = "notices"

# Per process: events this process recorded (or found recorded) already, so a hot path (ingest,
# the delivery worker) asks DynamoDB at most once per event.
_seen: set[tuple[str, str, str]] = set()
_seen_lock = threading.Lock()
_SEEN_MAX = 50_000


# --- settings -------------------------------------------------------------------------------
def notice_kind_enabled(*, tenant: Tenant, kind: str) -> bool:
    return kind not in (tenant.noticesOff or [])


def silent_hours(tenant: Tenant) -> int:
    return int(tenant.silentHours or settings.NOTICE_SILENT_HOURS)


def notice_webhook_secret(*, tenant: Tenant) -> str | None:
    return field_decrypt(tenant.noticeWebhookSecretEncrypted) if tenant.noticeWebhookSecretEncrypted else None


def notice_settings_update(*, tenant: Tenant, actor: str, version: int, kinds_on: list[str], webhook_url: str,
                           hours: int) -> Tenant:
    """Which kinds are sent, the operational webhook (a signing secret is made with the first
    URL), and the silence threshold. A stale copy raises ConcurrentEdit and changes nothing."""
    unknown = set(kinds_on) - set(KINDS)
    if unknown:
        raise ServiceError(f"Unknown notice kind: {sorted(unknown)[0]}.")
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise ServiceError("The webhook URL must start with https://.")
    if not 12 <= int(hours) <= 24 * 14:
        raise ServiceError("Silent after: between 12 and 336 hours.")
    before = {"noticesOff": list(tenant.noticesOff or []), "noticeWebhookUrl": tenant.noticeWebhookUrl,
              "silentHours": tenant.silentHours}
    tenant.version = version
    tenant.noticesOff = [kind for kind in KINDS if kind not in kinds_on]
    tenant.noticeWebhookUrl = webhook_url or None
    if webhook_url and not tenant.noticeWebhookSecretEncrypted:
        tenant.noticeWebhookSecretEncrypted = field_encrypt(secret_generate())
    tenant.silentHours = int(hours)
    tenant.touch(actor)
    save_versioned(tenant)
    audit_record(tenant_id=tenant.id, actor=actor, action="notices.settings", target_type="tenant",
                 target_id=tenant.id, before=before,
                 after={"noticesOff": tenant.noticesOff, "noticeWebhookUrl": tenant.noticeWebhookUrl,
                        "silentHours": tenant.silentHours})
    return tenant


def notice_list(*, tenant_id: str, limit: int = 20) -> list[Notice]:
    """The tenant's latest notices, newest first."""
    return sorted(Notice.of_tenant(tenant_id, limit=200), key=lambda n: n.createdAt, reverse=True)[:limit]


# --- recording -------------------------------------------------------------------------------
def notice_raise(*, tenant: Tenant, kind: str, event_key: str, data: dict, now: datetime | None = None,
                 email: bool = True) -> bool:
    """Record the notice of one event unless it was recorded before (or the kind is off);
    the worker sends it. True when this call recorded it."""
    memo = (tenant.id, kind, event_key)
    if memo in _seen or not notice_kind_enabled(tenant=tenant, kind=kind):
        return False
    now = now or utcnow()
    notice = Notice.in_tenant(tenant.id).new(
        id=new_id(), kind=kind, eventKey=event_key, data=data, createdAt=now, nextAttemptAt=now,
        emailState=PENDING if email else OFF, webhookState=PENDING if tenant.noticeWebhookUrl else OFF)
    recorded = notice.record_once()
    if recorded:
        Notice.prune(tenant.id, older_than=now - KEEP)  # the tenant's partition stays bounded
    with _seen_lock:
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen.add(memo)
    return recorded


def _best_effort(what: str, call, **kwargs) -> None:
    """Notices never break the path that raises them (a delivery attempt, an ingest)."""
    try:
        call(**kwargs)
    except Exception:  # noqa: BLE001 - logged; the event itself stands
        log.exception("notice %s not recorded", what)


def _destination_data(destination) -> dict:
    return {"destination_id": destination.id, "destination_name": destination.name,
            "consecutive_failures": int(destination.consecutiveFailures or 0),
            "failing_since": destination.failingSince.isoformat() if destination.failingSince else None,
            "disabled_reason": destination.disabledReason}


def on_destination_health_changed(sender, signal=None, **health) -> None:
    """The receiver of delivery.health.destination_health_changed (connected in apps.ready)."""
    notice_destination_health(**health)


def notice_destination_health(*, tenant: Tenant | None, destination, before_failures: int,
                              before_failing_since: datetime | None, disabled_now: bool, ok: bool,
                              now: datetime) -> None:
    """Called once by the delivery health record after it saved a destination's new health:
    the notices its change of state calls for."""
    def raise_all():
        owner = tenant or tenant_get_or_none(tenant_id=destination.tenantId)
        if owner is None:
            return
        data = _destination_data(destination)
        if ok:
            if before_failing_since is not None:
                notice_raise(tenant=owner, kind=RECOVERED, now=now, data=data,
                             event_key=f"{destination.id}#{before_failing_since.isoformat()}")
            return
        notice_raise(tenant=owner, kind=FAILING, now=now, data=data, event_key=f"{destination.id}#{now:%Y-%m-%d}")
        since = (destination.failingSince or now).isoformat()
        threshold = breaker_threshold()
        if int(before_failures or 0) < threshold <= int(destination.consecutiveFailures or 0):
            notice_raise(tenant=owner, kind=CIRCUIT_OPEN, now=now, data=data, event_key=f"{destination.id}#{since}")
        if disabled_now:
            # The disable e-mail itself is sent by the health record (as before): webhook only here.
            notice_raise(tenant=owner, kind=DISABLED, now=now, data=data, event_key=f"{destination.id}#{since}",
                         email=False)

    _best_effort("destination health", lambda: raise_all())


def notice_quota_usage(*, tenant: Tenant, used: int, quota: int, now: datetime) -> None:
    """Called by ingest's quota check with the month's usage before this submission."""
    if quota <= 0:
        return
    month = now.strftime("%Y-%m")
    after = used + 1
    data = {"month": month, "quota": quota, "used": min(after, quota)}
    if after >= quota * QUOTA_WARNING_FRACTION:
        _best_effort("quota.warning", notice_raise, tenant=tenant, kind=QUOTA_WARNING, event_key=month,
                     data=data, now=now)
    if after >= quota:
        _best_effort("quota.exhausted", notice_raise, tenant=tenant, kind=QUOTA_EXHAUSTED, event_key=month,
                     data=data, now=now)


# --- silent forms ----------------------------------------------------------------------------
def _last_seen(days: dict, form: str) -> datetime | None:
    """The end of the latest hour in which the form received a submission, from the counters."""
    for day in sorted(days, reverse=True):
        hours = days[day].form_hours.get(form, {})
        busy = [int(hour) for hour, count in hours.items() if count > 0]
        if busy:
            return datetime.fromisoformat(day).replace(tzinfo=utcnow().tzinfo) + timedelta(hours=max(busy) + 1)
        if days[day].forms.get(form, 0) > 0:  # older items without hour counters: the end of that day
            return datetime.fromisoformat(day).replace(tzinfo=utcnow().tzinfo) + timedelta(days=1)
    return None


def silent_forms(*, tenant: Tenant, now: datetime) -> list[tuple[str, datetime]]:
    """(form id, last submission) of each form that received on USUAL_DAYS of the BASELINE_DAYS
    days before its silence began and nothing for the tenant's silent hours: one Query of the
    tenant's day counters."""
    hours = silent_hours(tenant)
    window_start = now - timedelta(hours=hours)
    first = window_start.date() - timedelta(days=BASELINE_DAYS)
    days = day_counts_between(tenant_id=tenant.id, first_day=first.isoformat(), last_day=now.date().isoformat())
    baseline = [(first + timedelta(days=i)).isoformat() for i in range(BASELINE_DAYS)]
    forms = {form for day in days.values() for form in day.forms if form != OTHER_FORMS}
    found = []
    for form in sorted(forms):
        active_days = sum(1 for day in baseline if day in days and days[day].forms.get(form, 0) > 0)
        if active_days < USUAL_DAYS:
            continue
        last = _last_seen(days, form)
        if last is not None and last <= window_start:
            found.append((form, last))
    return found


def notices_check_silent(*, now: datetime | None = None) -> int:
    """The worker's periodic look for silent forms: tenants with counters on any of the last
    days (DayIndex, no scan), then one Query of each one's counters. Returns notices recorded."""
    now = now or utcnow()
    longest = max(settings.NOTICE_SILENT_HOURS, 24 * 14)
    look_back = (longest // 24) + BASELINE_DAYS + 1
    tenant_ids: set[str] = set()
    for offset in range(1, look_back + 1):
        tenant_ids |= tenants_with_counters((now.date() - timedelta(days=offset)).isoformat())
    recorded = 0
    for tenant_id in sorted(tenant_ids):
        tenant = tenant_get_or_none(tenant_id=tenant_id)
        if tenant is None or not tenant.accepts_submissions or not notice_kind_enabled(tenant=tenant, kind=FORM_SILENT):
            continue
        for form, last in silent_forms(tenant=tenant, now=now):
            recorded += notice_raise(tenant=tenant, kind=FORM_SILENT, now=now,
                                     event_key=f"{form}#{last:%Y-%m-%dT%H}",
                                     data={"form_id": form, "last_submission_before": last.isoformat(),
                                           "silent_hours": silent_hours(tenant)})
    return recorded


# --- sending ---------------------------------------------------------------------------------
def _subject_and_text(notice: Notice) -> tuple[str, str]:
    d = notice.data or {}
    name = d.get("destination_name", "")
    texts = {
        FAILING: (f"Destination failing: {name}",
                  f"Deliveries to {name} are failing ({d.get('consecutive_failures')} in a row since "
                  f"{d.get('failing_since')}). They are retried on schedule; check the receiving end."),
        CIRCUIT_OPEN: (f"Deliveries held: {name}",
                       f"{name} failed {d.get('consecutive_failures')} times in a row: its deliveries are held and "
                       "one probe at a time is sent until it answers again."),
        DISABLED: (f"Destination disabled: {name}", f"{name} was disabled: {d.get('disabled_reason')}"),
        RECOVERED: (f"Destination recovered: {name}", f"{name} accepts deliveries again."),
        QUOTA_WARNING: ("80% of this month's submissions used",
                        f"{d.get('used')} of {d.get('quota')} submissions used in {d.get('month')}."),
        QUOTA_EXHAUSTED: ("This month's submissions are used up",
                          f"All {d.get('quota')} submissions of {d.get('month')} are used: new submissions are "
                          "refused (429) until the first of next month, or upgrade your plan."),
        FORM_SILENT: (f"Form gone silent: {d.get('form_id')}",
                      f"The form {d.get('form_id')} usually receives submissions every day and has received none "
                      f"since {d.get('last_submission_before')} ({d.get('silent_hours')} h or more). Check that the "
                      "form on the site still works."),
    }
    subject, text = texts.get(notice.kind, (notice.kind, json.dumps(d)))
    link = f"{settings.SITE_URL}/account/notices/"
    return f"[Form-Bridge] {subject}", f"{text}\n\nNotice {notice.kind} ({notice.id}).\nChoose your notices: {link}\n"


def notice_recipients(*, tenant: Tenant) -> list[str]:
    """The owner and the admins (the account e-mail when there is no user)."""
    found = [user.email for user in team_list(tenant_id=tenant.id) if user.role in (OWNER, ADMIN)]
    return found or [tenant.email]


def notice_event(notice: Notice) -> dict:
    """The operational webhook's JSON body (Standard Webhooks shape: type, timestamp, data)."""
    return {"type": notice.kind, "timestamp": notice.createdAt.isoformat().replace("+00:00", "Z"),
            "data": {"notice_id": notice.id, **(notice.data or {})}}


def _send_webhook(notice: Notice, tenant: Tenant) -> sender.SendResult:
    body = json.dumps(notice_event(notice), separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Form-Bridge-Notices/1.0"}
    headers.update(signature_headers(secrets_=[notice_webhook_secret(tenant=tenant)], msg_id=f"ntc_{notice.id}",
                                     timestamp=int(time.time()), body=body))
    return sender.post(tenant.noticeWebhookUrl, body=body, headers=headers)


def notice_send(notice: Notice, *, now: datetime) -> None:
    """Send what is pending of one claimed notice and store the outcome."""
    tenant = tenant_get_or_none(tenant_id=notice.tenantId)
    if tenant is None or not tenant.active:
        notice.emailState = OFF if notice.emailState == PENDING else notice.emailState
        notice.webhookState = OFF if notice.webhookState == PENDING else notice.webhookState
        notice.save_progress()
        return
    if notice.emailState == PENDING:
        subject, text = _subject_and_text(notice)
        try:
            send_mail(subject=subject, message=text, from_email=settings.DEFAULT_FROM_EMAIL,
                      recipient_list=notice_recipients(tenant=tenant))
            notice.emailState = SENT
        except Exception as error:  # noqa: BLE001 - retried with the webhook's schedule
            notice.lastError = f"E-mail not sent: {error}"[:1000]
    if notice.webhookState == PENDING:
        if not tenant.noticeWebhookUrl:
            notice.webhookState = OFF
        else:
            result = _send_webhook(notice, tenant)
            notice.lastStatusCode, notice.lastError = result.status_code, (result.error or None)
            if result.ok:
                notice.webhookState = SENT
    notice.attempts = int(notice.attempts or 0) + 1
    if notice.pending:
        if notice.attempts > len(NOTICE_WEBHOOK_DELAYS):
            notice.emailState = FAILED if notice.emailState == PENDING else notice.emailState
            notice.webhookState = FAILED if notice.webhookState == PENDING else notice.webhookState
        else:
            notice.nextAttemptAt = now + timedelta(seconds=NOTICE_WEBHOOK_DELAYS[notice.attempts - 1])
    notice.save_progress()


def notices_send_due(*, now: datetime | None = None, limit: int = 25, clock=utcnow) -> int:
    """One pass over the due notices: claim each (a lease), send, record. Returns how many."""
    now = now or clock()
    sent = 0
    for notice in list(Notice.due(now=now, limit=limit)):
        if not notice.claim(seen=notice.nextAttemptAt, until=now + LEASE):
            continue
        notice_send(notice, now=now)
        sent += 1
    return sent


def notices_run_forever(*, stop: threading.Event, clock=utcnow) -> None:
    """The worker's notice loop (a thread of `manage.py deliver`): pending notices every
    NOTICE_PASS_SECONDS, silent forms every NOTICE_SILENT_CHECK_SECONDS."""
    next_silent_check = 0.0
    while not stop.is_set():
        try:
            notices_send_due(now=clock())
            if time.monotonic() >= next_silent_check:
                next_silent_check = time.monotonic() + settings.NOTICE_SILENT_CHECK_SECONDS
                notices_check_silent(now=clock())
        except Exception:  # noqa: BLE001 - the loop outlives a bad pass (DynamoDB away, ...)
            log.exception("notice pass failed")
        stop.wait(settings.NOTICE_PASS_SECONDS)


def reset() -> None:
    """Forget what this process remembers (tests empty the tables)."""
    _seen.clear()
