"""Staff console: products (plans)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.forms.staff import ActiveToggleForm, ProductForm
from portal.selectors import audit as audit_selectors
from portal.selectors.billing import products as selectors
from portal.selectors.access import access_product
from portal.selectors.billing.campaigns import campaign_list_for_product
from portal.services.billing import products as services
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.staff.common import actor


def _service_kwargs(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "version"}


@staff_required
def product_list(request):
    show_deleted = request.GET.get("show") == "deleted"
    page = selectors.product_list(active=not show_deleted, cursor=request.GET.get("cursor"))
    return render(request, "staff/products/list.html", {"page": page, "show_deleted": show_deleted})


@staff_required
def product_create(request):
    form = ProductForm(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        product = services.product_create(actor=actor(request), **_service_kwargs(form.cleaned_data))
        messages.success(request, f"Product {product.name} created.")
        return redirect("staff:product_detail", product_id=product.id)
    return render(request, "staff/products/form.html", {"form": form})


@staff_required
def product_detail(request, product_id):
    product = access_product(product_id=product_id)
    campaigns = campaign_list_for_product(product_id=product.id, limit=10)
    history = audit_selectors.audit_target_page(target_type="product", target_id=product.id, limit=5)
    return render(request, "staff/products/detail.html", {
        "product": product, "campaigns": campaigns, "history": history,
        "toggle_form": ActiveToggleForm(initial={"version": product.version}, auto_id=False),
    })


@staff_required
def product_edit(request, product_id):
    product = access_product(product_id=product_id)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_for(product))
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            product = services.product_update(actor=actor(request), product=product, **form.cleaned_data)
            messages.success(request, f"Product {product.name} saved. New checkouts use the new values.")
            return redirect("staff:product_detail", product_id=product.id)
    return render(request, "staff/products/form.html", {"form": form, "product": product})


def _toggle(request, product_id, service, done: str):
    product = access_product(product_id=product_id)
    form = ActiveToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete. Reload the page and try again.")
    else:
        with refusals_as_messages(request):
            service(actor=actor(request), product=product, version=form.cleaned_data["version"])
            messages.success(request, f"Product {product.name} {done}.")
    return redirect("staff:product_detail", product_id=product.id)


@staff_required
@require_POST
def product_delete(request, product_id):
    return _toggle(request, product_id, services.product_delete, "deleted; it can be restored")


@staff_required
@require_POST
def product_restore(request, product_id):
    return _toggle(request, product_id, services.product_restore, "restored")


@staff_required
def product_audit(request, product_id):
    product = access_product(product_id=product_id)
    page = audit_selectors.audit_target_page(target_type="product", target_id=product.id,
                                             cursor=request.GET.get("cursor"))
    return render(request, "staff/audit/list.html", {"page": page, "subject": f"Product {product.name}",
                                                     "back_url": reverse("staff:product_detail", args=[product.id])})
