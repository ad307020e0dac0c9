"""Staff console: estimated DynamoDB cost per tenant and month, and cost thresholds."""
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.forms.utils import flatatt
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.dynamo.base import utcnow
from portal.dynamo.tenants import STATUS_MEANINGS
from portal.forms.staff import CostMonthForm, CostThresholdForm
from portal.selectors.billing import costs as selectors
from portal.selectors.access import access_tenant
from portal.services.billing import costs as services
from portal.views.refusals import refusals_as_messages
from portal.views.staff.common import actor


def _month(request) -> date:
    form = CostMonthForm(request.GET)
    today = utcnow().date()
    if form.is_valid() and form.cleaned_data["month"]:
        year, month = form.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)
    if form.errors:
        messages.error(request, "Choose a month as YYYY-MM; showing this month.")
    return today.replace(day=1)


TENANT_ID_SLOT = "TENANT-ID-SLOT"


def _fixed(value: Decimal, places: int) -> str:
    """As floatformat writes it (half up), without the template filter's cost per call."""
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def _units_title(by_table: dict[str, Decimal]) -> str:
    return " ".join(f"{table}: {_fixed(units, 1)}" for table, units in by_table.items())


def _cost_lines(rows) -> list[dict]:
    """The page's rows as the strings the table shows: 50 rows of template filters, includes
    and URL reversals cost more than the page's reads, so they are formatted here once."""
    detail = reverse("staff:tenant_detail", args=[TENANT_ID_SLOT])
    threshold = reverse("staff:cost_threshold", args=[TENANT_ID_SLOT])
    return [{
        "tenant": cost.tenant, "status_meaning": STATUS_MEANINGS.get(cost.tenant.status, ""),
        "detail_url": detail.replace(TENANT_ID_SLOT, cost.tenant.id),
        "threshold_url": threshold.replace(TENANT_ID_SLOT, cost.tenant.id),
        "write_units": _fixed(cost.write_units, 1), "write_title": _units_title(cost.write_by_table),
        "read_units": _fixed(cost.read_units, 1), "read_title": _units_title(cost.read_by_table),
        "storage_gb": _fixed(cost.storage_gb, 6), "cost": _fixed(cost.cost, 4),
        "over_threshold": cost.over_threshold,
        "threshold": None if cost.threshold is None else _fixed(cost.threshold, 2),
    } for cost in rows]


@staff_required
def cost_list(request):
    month = _month(request)
    costs = selectors.tenant_costs_page(month=month, cursor=request.GET.get("cursor"))
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render(request, "staff/costs/list.html", {
        "month": month, "previous": previous, "following": following if following <= utcnow().date() else None,
        "prices": selectors.cost_prices(), "page": costs.page, "platform": costs.platform,
        "page_size": selectors.COSTS_PAGE_SIZE,
        # One threshold input per row: written in the template with the field's own attributes
        # (step, min, max), taken once, instead of rendering a bound form's widgets 50 times.
        "rows": costs.page.items, "lines": _cost_lines(costs.page.items), "month_key": month.strftime("%Y-%m"),
        "threshold_attrs": flatatt(CostThresholdForm.base_fields["threshold"].widget.attrs),
        "total": costs.platform.cost,
    })


@staff_required
@require_POST
def cost_threshold(request, tenant_id):
    tenant = access_tenant(tenant_id=tenant_id)
    form = CostThresholdForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    else:
        with refusals_as_messages(request):
            tenant = services.tenant_cost_threshold_set(tenant=tenant, actor=actor(request),
                                                        version=form.cleaned_data["version"],
                                                        threshold=form.cleaned_data["threshold"])
            amount = tenant.costAlertUsd
            messages.success(request, f"{tenant.organization}: staff are e-mailed at USD {amount:.2f} a month."
                             if amount is not None else f"{tenant.organization}: no cost alert.")
    month = request.POST.get("month") or ""
    return redirect(reverse("staff:cost_list") + (f"?month={month}" if CostMonthForm({"month": month}).is_valid()
                                                   and month else ""))
