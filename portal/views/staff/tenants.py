"""Staff console: tenants, their lifecycle and their trail."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.dynamo.tenants import STATUSES, SUSPENDED
from portal.forms.staff import ActiveToggleForm, TenantCreateForm, TenantForm, TenantSearchForm, TenantStatusForm
from portal.selectors import audit as audit_selectors
from portal.selectors.billing import tenants as selectors
from portal.selectors.access import access_tenant
from portal.selectors.billing.campaigns import campaign_get_or_none, campaign_view
from portal.selectors.pagination import BadCursor
from portal.selectors.billing.plans import plan_usage
from portal.selectors.billing.products import product_choices
from portal.services.billing import tenants as services
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.staff.common import actor



@staff_required
def tenant_list(request):
    search = TenantSearchForm(request.GET if "email" in request.GET else None)
    if search.is_bound and search.is_valid():
        tenant = selectors.tenant_get_by_email(email=search.cleaned_data["email"])
        if tenant is not None:
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
        search.add_error("email", "No tenant has this e-mail address.")
    status = request.GET.get("status") or ""
    cursor = request.GET.get("cursor")
    if status in STATUSES:
        page = selectors.tenant_list_by_status(status=status, cursor=cursor)
    else:
        status, page = "", selectors.tenant_list(cursor=cursor)
    return render(request, "staff/tenants/list.html", {
        "page": page, "status": status, "counts": selectors.tenant_status_counts(), "search": search,
    })


@staff_required
def tenant_create(request):
    form = TenantCreateForm(request.POST or None, product_choices=product_choices(), editing=False)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            tenant, owner = services.tenant_staff_create(actor=actor(request), **form.cleaned_data)
            messages.success(request, f"Tenant {tenant.organization} created; an invitation was sent to {owner.email}.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/form.html", {"form": form})


def _detail_lists(request, *, tenant_id: str) -> dict:
    """The users, sites and orders lists, each paginated by its own signed cursor. A bad
    cursor restarts only its own list (with a message), so this page handles BadCursor itself."""
    lists = {}
    for name, selector in (("users", selectors.tenant_users), ("sites", selectors.tenant_sites),
                           ("orders", selectors.tenant_orders)):
        try:
            lists[name] = selector(tenant_id=tenant_id, cursor=request.GET.get(f"{name}_cursor"))
        except BadCursor as error:
            messages.error(request, str(error))
            lists[name] = selector(tenant_id=tenant_id)
    return lists


@staff_required
def tenant_detail(request, tenant_id):
    tenant = access_tenant(tenant_id=tenant_id)
    campaign = campaign_get_or_none(code=tenant.campaignCode) if tenant.campaignCode else None
    return render(request, "staff/tenants/detail.html", {
        "tenant": tenant,
        "plan": plan_usage(tenant=tenant),
        "campaign": campaign_view(campaign=campaign) if campaign else None,
        **_detail_lists(request, tenant_id=tenant.id),
        "history": audit_selectors.audit_tenant_page(tenant_id=tenant.id, limit=5),
        "suspend_form": TenantStatusForm(initial={"version": tenant.version, "to_status": SUSPENDED}),
        "toggle_form": ActiveToggleForm(initial={"version": tenant.version}, auto_id=False),
    })


@staff_required
def tenant_edit(request, tenant_id):
    tenant = access_tenant(tenant_id=tenant_id)
    form = TenantForm(request.POST or None, initial=TenantForm.initial_for(tenant), product_choices=product_choices())
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            tenant = services.tenant_update(tenant=tenant, actor=actor(request), **form.cleaned_data)
            messages.success(request, f"Tenant {tenant.organization} saved.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/form.html", {"form": form, "tenant": tenant})


@staff_required
def tenant_status(request, tenant_id):
    """Lifecycle transitions. GET shows the suspension form; refusals change nothing."""
    tenant = access_tenant(tenant_id=tenant_id)
    form = TenantStatusForm(request.POST or None, initial={"version": tenant.version, "to_status": SUSPENDED})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with refusals_as_messages(request):
                tenant = services.tenant_status_change(tenant=tenant, actor=actor(request), version=data["version"],
                                                       to_status=data["to_status"], reason=data["reason"])
                messages.success(request, f"{tenant.organization} is now {tenant.status}.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/suspend.html", {"form": form, "tenant": tenant})


def _toggle(request, tenant_id, service, done: str):
    tenant = access_tenant(tenant_id=tenant_id)
    form = ActiveToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete. Reload the page and try again.")
    else:
        with refusals_as_messages(request):
            service(tenant=tenant, actor=actor(request), version=form.cleaned_data["version"])
            messages.success(request, f"Tenant {tenant.organization} {done}.")
    return redirect("staff:tenant_detail", tenant_id=tenant.id)


@staff_required
@require_POST
def tenant_delete(request, tenant_id):
    return _toggle(request, tenant_id, services.tenant_delete, "deleted: its users can no longer sign in")


@staff_required
@require_POST
def tenant_restore(request, tenant_id):
    return _toggle(request, tenant_id, services.tenant_restore, "restored")


@staff_required
def tenant_audit(request, tenant_id):
    tenant = access_tenant(tenant_id=tenant_id)
    page = audit_selectors.audit_tenant_page(tenant_id=tenant.id, cursor=request.GET.get("cursor"))
    return render(request, "staff/audit/list.html", {"page": page, "subject": f"Tenant {tenant.organization}",
                                                     "back_url": reverse("staff:tenant_detail", args=[tenant.id])})
