"""Cost thresholds per tenant (issue 17): staff set an amount (USD per month) on a tenant;
when the month's estimated DynamoDB cost (portal.selectors.billing.costs) reaches it, staff are
e-mailed once for that tenant and month. A conditional write of a marker decides "once",
whichever process looks first (the delivery worker's pass every COST_ALERTS_PASS_SECONDS;
`manage.py cost_alerts`)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from portal.dynamo.base import save_versioned, utcnow
from portal.dynamo.expiring import OnceMarkers
from portal.dynamo.tenants import Tenant
from portal.errors import FieldErrors
from portal.selectors.billing.costs import TenantCost, month_bounds, tenant_cost_month, tenants_all
from portal.services.compliance.audit import audit_record
from portal.services.billing.common import version_check

log = logging.getLogger("portal")

MAX_THRESHOLD = Decimal("1000000")


class ThresholdInvalid(FieldErrors):
    pass


def cost_threshold_clean(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise ThresholdInvalid("Enter an amount in USD, like 25 or 12.50.", field="threshold") from error
    if not Decimal(0) < amount <= MAX_THRESHOLD:
        raise ThresholdInvalid(f"Enter an amount above 0 and at most {MAX_THRESHOLD:,} USD.", field="threshold")
    return amount


def tenant_cost_threshold_set(*, tenant: Tenant, actor: str, version: int, threshold) -> Tenant:
    """Set (or, with None/blank, clear) the tenant's monthly cost threshold."""
    version_check(tenant, version)
    amount = cost_threshold_clean(threshold)
    before = {"costAlertUsd": str(tenant.costAlertUsd) if tenant.costAlertUsd is not None else None}
    tenant.costAlertUsd = amount
    tenant.touch(actor)
    save_versioned(tenant)
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.cost_threshold", target_type="tenant",
                 target_id=tenant.id, before=before,
                 after={"costAlertUsd": str(amount) if amount is not None else None}, staff=True)
    return tenant


def staff_alert_recipients() -> list[str]:
    if settings.COST_ALERT_EMAILS:
        return list(settings.COST_ALERT_EMAILS)
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted({user.email for user in users})


def cost_alert_check(*, tenant: Tenant, now: datetime | None = None) -> TenantCost | None:
    """E-mail staff if the tenant's month has reached its threshold and nobody did yet this
    month; the cost when this call sent the e-mail, else None."""
    if tenant.costAlertUsd is None:
        return None
    now = now or utcnow()
    cost = tenant_cost_month(tenant=tenant, month=now.date(), today=now.date())
    if not cost.over_threshold:
        return None
    _, last = month_bounds(now.date())
    expires = datetime.combine(last + timedelta(days=40), datetime.min.time(), tzinfo=now.tzinfo)
    if not OnceMarkers.claim(key=OnceMarkers.cost_alert_key_for(tenant.id, cost.month),
                             expires_epoch=int(expires.timestamp())):
        return None  # already sent this month
    recipients = staff_alert_recipients()
    if recipients:
        link = settings.SITE_URL.rstrip("/") + reverse("staff:cost_list") + f"?month={cost.month}"
        send_mail(
            subject=f"[Form-Bridge] Cost threshold reached: {tenant.organization}",
            message=(f"{tenant.organization} ({tenant.email}) has reached an estimated DynamoDB cost of "
                     f"USD {cost.cost:.4f} in {cost.month}, at or above its threshold of USD "
                     f"{tenant.costAlertUsd:.2f}.\n\nWrite units {cost.write_units:,.1f}, read units "
                     f"{cost.read_units:,.1f}, storage {cost.storage_gb:.6f} GB.\n\nCost per tenant: {link}\n"
                     "This e-mail is sent once per tenant and month."),
            from_email=None, recipient_list=recipients)
    else:
        log.warning("cost threshold of tenant %s reached, but no staff e-mail address is known", tenant.id)
    return cost


def cost_alerts_check(*, now: datetime | None = None) -> list[TenantCost]:
    """Check every tenant that has a threshold; the costs of those e-mailed about now."""
    sent = []
    for tenant in tenants_all():
        cost = cost_alert_check(tenant=tenant, now=now) if tenant.costAlertUsd is not None else None
        if cost is not None:
            sent.append(cost)
    return sent


def cost_alerts_run_forever(*, stop, interval: float) -> None:
    """The worker's thread: every tenant's threshold each `interval` seconds (COST_ALERTS_PASS_SECONDS),
    so a tenant whose traffic is all ingest is e-mailed about too. A failed pass is retried."""
    while not stop.wait(interval):
        try:
            cost_alerts_check()
        except Exception:  # noqa: BLE001 - DynamoDB away: the next pass tries again
            log.warning("cost threshold pass failed; trying again in %s s", interval, exc_info=True)

