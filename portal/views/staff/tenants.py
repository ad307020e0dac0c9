"""Staff console: tenants, their lifecycle and their trail."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.dynamo.tenants import STATUSES, SUSPENDED
from portal.errors import ConcurrentEdit, NotFound
from portal.forms.staff import ActiveToggleForm, TenantCreateForm, TenantForm, TenantSearchForm, TenantStatusForm
from portal.selectors import audit as audit_selectors
from portal.selectors import tenants as selectors
from portal.selectors.campaigns import campaign_get, campaign_views
from portal.selectors.pagination import BadCursor
from portal.selectors.plans import plan_usage
from portal.selectors.products import product_choices
from portal.services import tenants as services
from portal.views.staff.common import actor, first_page_redirect

def _tenant_or_404(tenant_id: str):
    try:
        return selectors.tenant_get(tenant_id=tenant_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _blame(form, error) -> None:
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


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
    try:
        if status in STATUSES:
            page = selectors.tenant_list_by_status(status=status, cursor=cursor)
        else:
            status, page = "", selectors.tenant_list(cursor=cursor)
    except BadCursor as error:
        return first_page_redirect(request, error)
    return render(request, "staff/tenants/list.html", {
        "page": page, "status": status, "counts": selectors.tenant_status_counts(), "search": search,
    })


@staff_required
def tenant_create(request):
    form = TenantCreateForm(request.POST or None, product_choices=product_choices(), editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            tenant, owner = services.tenant_staff_create(actor=actor(request), **form.cleaned_data)
        except services.EmailTaken as error:
            form.add_error("email", str(error))
        except services.TenantInvalid as error:
            _blame(form, error)
        else:
            messages.success(request, f"Tenant {tenant.organization} created; an invitation was sent to {owner.email}.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/form.html", {"form": form})


def _detail_lists(request, *, tenant_id: str) -> dict:
    """The users, sites and orders lists, each paginated by its own signed cursor."""
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
    tenant = _tenant_or_404(tenant_id)
    campaign = None
    if tenant.campaignCode:
        try:
            campaign = campaign_views([campaign_get(code=tenant.campaignCode)])[0]
        except NotFound:
            campaign = None
    return render(request, "staff/tenants/detail.html", {
        "tenant": tenant,
        "plan": plan_usage(tenant=tenant),
        "campaign": campaign,
        **_detail_lists(request, tenant_id=tenant.id),
        "history": audit_selectors.audit_tenant_page(tenant_id=tenant.id, limit=5),
        "suspend_form": TenantStatusForm(initial={"version": tenant.version, "to_status": SUSPENDED}),
        "toggle_form": ActiveToggleForm(initial={"version": tenant.version}, auto_id=False),
    })


@staff_required
def tenant_edit(request, tenant_id):
    tenant = _tenant_or_404(tenant_id)
    form = TenantForm(request.POST or None, initial=TenantForm.initial_for(tenant), product_choices=product_choices())
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_update(actor=actor(request), tenant_id=tenant.id, **form.cleaned_data)
        except ConcurrentEdit as error:
            form.add_error(None, str(error))
        except services.EmailTaken as error:
            form.add_error("email", str(error))
        except services.TenantInvalid as error:
            _blame(form, error)
        else:
            messages.success(request, f"Tenant {tenant.organization} saved.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/form.html", {"form": form, "tenant": tenant})


@staff_required
def tenant_status(request, tenant_id):
    """Lifecycle transitions. GET shows the suspension form; refusals change nothing."""
    tenant = _tenant_or_404(tenant_id)
    form = TenantStatusForm(request.POST or None, initial={"version": tenant.version, "to_status": SUSPENDED})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                tenant = services.tenant_status_change(actor=actor(request), tenant_id=tenant.id,
                                                       version=data["version"], to_status=data["to_status"],
                                                       reason=data["reason"])
            except (ConcurrentEdit, services.TransitionRefused) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{tenant.organization} is now {tenant.status}.")
            return redirect("staff:tenant_detail", tenant_id=tenant.id)
    return render(request, "staff/tenants/suspend.html", {"form": form, "tenant": tenant})


def _toggle(request, tenant_id, service, done: str):
    tenant = _tenant_or_404(tenant_id)
    form = ActiveToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete. Reload the page and try again.")
    else:
        try:
            service(actor=actor(request), tenant_id=tenant.id, version=form.cleaned_data["version"])
        except ConcurrentEdit as error:
            messages.error(request, str(error))
        else:
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
    tenant = _tenant_or_404(tenant_id)
    try:
        page = audit_selectors.audit_tenant_page(tenant_id=tenant.id, cursor=request.GET.get("cursor"))
    except BadCursor as error:
        return first_page_redirect(request, error)
    return render(request, "staff/audit/list.html", {"page": page, "subject": f"Tenant {tenant.organization}",
                                                     "back_url": reverse("staff:tenant_detail", args=[tenant.id])})
