"""Staff console: campaigns (discount codes)."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.errors import ConcurrentEdit, NotFound
from portal.forms.staff import ActiveToggleForm, CampaignForm
from portal.selectors import audit as audit_selectors
from portal.selectors import campaigns as selectors
from portal.selectors.pagination import BadCursor
from portal.selectors.products import product_choices, product_get_or_none
from portal.services import campaigns as services
from portal.views.staff.common import actor, first_page_redirect


def _campaign_or_404(code: str):
    try:
        return selectors.campaign_detail(code=code)
    except NotFound as error:
        raise Http404(str(error)) from error


def _blame(form, error: services.CampaignInvalid) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


@staff_required
def campaign_list(request):
    show, product_id = request.GET.get("show", "live"), request.GET.get("product")
    cursor = request.GET.get("cursor")
    product = None
    try:
        if product_id:
            product = product_get_or_none(product_id=product_id)
            if product is None:
                raise Http404("No such product.")
            page, show = selectors.campaign_list_for_product(product_id=product.id, cursor=cursor), "product"
        elif show == "all":
            page = selectors.campaign_list(active=True, cursor=cursor)
        elif show == "deleted":
            page = selectors.campaign_list(active=False, cursor=cursor)
        else:
            page, show = selectors.campaign_list_live(cursor=cursor), "live"
    except BadCursor as error:
        return first_page_redirect(request, error)
    return render(request, "staff/campaigns/list.html", {"page": page, "show": show, "product": product})


@staff_required
def campaign_create(request):
    initial = {"product_id": request.GET.get("product", "")}
    form = CampaignForm(request.POST or None, initial=initial, product_choices=product_choices(), editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=actor(request), **form.cleaned_data)
        except services.CampaignCodeTaken as error:
            form.add_error("code", str(error))
        except services.CampaignInvalid as error:
            _blame(form, error)
        else:
            messages.success(request, f"Campaign {campaign.code} created.")
            return redirect("staff:campaign_detail", code=campaign.code)
    return render(request, "staff/campaigns/form.html", {"form": form})


@staff_required
def campaign_detail(request, code):
    view = _campaign_or_404(code)
    history = audit_selectors.audit_target_page(target_type="campaign", target_id=view.code, limit=5)
    return render(request, "staff/campaigns/detail.html", {
        "view": view, "campaign": view.campaign, "history": history,
        "toggle_form": ActiveToggleForm(initial={"version": view.campaign.version}, auto_id=False),
    })


@staff_required
def campaign_edit(request, code):
    campaign = _campaign_or_404(code).campaign
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign),
                        product_choices=product_choices(), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_update(actor=actor(request), code=campaign.code, **form.cleaned_data)
        except ConcurrentEdit as error:
            form.add_error(None, str(error))
        except services.CampaignInvalid as error:
            _blame(form, error)
        else:
            messages.success(request, f"Campaign {campaign.code} saved.")
            return redirect("staff:campaign_detail", code=campaign.code)
    return render(request, "staff/campaigns/form.html", {"form": form, "campaign": campaign})


def _toggle(request, code, service, done: str):
    campaign = _campaign_or_404(code).campaign
    form = ActiveToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete. Reload the page and try again.")
    else:
        try:
            service(actor=actor(request), code=campaign.code, version=form.cleaned_data["version"])
        except ConcurrentEdit as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Campaign {campaign.code} {done}.")
    return redirect("staff:campaign_detail", code=campaign.code)


@staff_required
@require_POST
def campaign_delete(request, code):
    return _toggle(request, code, services.campaign_delete, "deleted; it can be restored")


@staff_required
@require_POST
def campaign_restore(request, code):
    return _toggle(request, code, services.campaign_restore, "restored")


@staff_required
def campaign_audit(request, code):
    campaign = _campaign_or_404(code).campaign
    try:
        page = audit_selectors.audit_target_page(target_type="campaign", target_id=campaign.code,
                                                 cursor=request.GET.get("cursor"))
    except BadCursor as error:
        return first_page_redirect(request, error)
    return render(request, "staff/audit/list.html", {"page": page, "subject": f"Campaign {campaign.code}",
                                                     "back_url": reverse("staff:campaign_detail", args=[campaign.code])})
