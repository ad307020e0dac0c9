"""Destination health: consecutive failures and the failing-since time after every attempt;
a destination failing for 5 days whose retries are exhausted is disabled and its tenant
e-mailed (once, on the transition)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from portal.dynamo.base import save_versioned
from portal.dynamo.destinations import Destination
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit

log = logging.getLogger("portal.delivery")

# Sent once a destination's new health is saved (the account notices listen: services.notices,
# connected when the app is ready), so delivery never imports the layer above it.
destination_health_changed = Signal()

DISABLE_AFTER = timedelta(days=5)
ACTOR = "delivery-worker"


def destination_health_record(*, destination: Destination, tenant: Tenant | None, ok: bool, now: datetime,
                              exhausted: bool) -> None:
    """Record one attempt's result on the destination. Works on a fresh copy (the caller's may
    be a cached one) and retries when a concurrent save wins."""
    if ok and not destination.consecutiveFailures and destination.failingSince is None:
        return
    for _ in range(5):
        fresh = Destination.in_tenant(destination.tenantId).get_or_none(destination.pk, destination.sk)
        if fresh is None or (ok and not fresh.consecutiveFailures and fresh.failingSince is None):
            return
        disabled_now = False
        before_failures, before_failing_since = int(fresh.consecutiveFailures or 0), fresh.failingSince
        if ok:
            fresh.consecutiveFailures, fresh.failingSince = 0, None
        else:
            fresh.consecutiveFailures = int(fresh.consecutiveFailures or 0) + 1
            fresh.failingSince = fresh.failingSince or now
            if exhausted and fresh.enabled and now - fresh.failingSince >= DISABLE_AFTER:
                fresh.enabled = False
                fresh.disabledReason = (
                    f"Every delivery failed since {fresh.failingSince:%Y-%m-%d %H:%M} UTC "
                    f"({fresh.consecutiveFailures} attempts in a row) and the retries were exhausted.")
                disabled_now = True
        fresh.touch(ACTOR)
        try:
            save_versioned(fresh)
        except ConcurrentEdit:
            continue
        # The caller's copy may be the worker's cached one: its breaker reads these at once.
        destination.consecutiveFailures, destination.failingSince = fresh.consecutiveFailures, fresh.failingSince
        if disabled_now:
            _notify_disabled(destination=fresh, tenant=tenant)
        destination_health_changed.send(
            sender=Destination, tenant=tenant, destination=fresh, before_failures=before_failures,
            before_failing_since=before_failing_since, disabled_now=disabled_now, ok=ok, now=now)
        return


def _notify_disabled(*, destination: Destination, tenant: Tenant | None) -> None:
    if tenant is None:
        return
    try:
        path = reverse("portal:destination_detail", kwargs={"destination_id": destination.id})
    except NoReverseMatch:
        path = f"/destinations/{destination.id}/"
    context = {"tenant": tenant, "destination": destination, "destination_url": settings.SITE_URL + path}
    try:
        send_mail(subject=f"[Form-Bridge] Destination disabled: {destination.name}",
                  message=render_to_string("emails/destination_disabled.txt", context),
                  from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[tenant.destinationEmail or tenant.email])
    except Exception:  # the disable stands even if the mail server is down; it is logged
        log.exception("could not e-mail tenant %s about disabled destination %s", tenant.id, destination.id)
