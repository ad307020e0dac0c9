"""Staff console: campaigns (discount codes)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.decorators import staff_required
from portal.forms.staff import ActiveToggleForm, CampaignForm
from portal.selectors import audit as audit_selectors
from portal.selectors.billing import campaigns as selectors
from portal.selectors.access import access_campaign, access_product
from portal.selectors.billing.products import product_choices
from portal.services.billing import campaigns as services
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.staff.common import actor


@staff_required
def campaign_list(request):
    show, product_id = request.GET.get("show", "live"), request.GET.get("product")
    cursor = request.GET.get("cursor")
    product = None
    if product_id:
        product = access_product(product_id=product_id)
        page, show = selectors.campaign_list_for_product(product_id=product.id, cursor=cursor), "product"
    elif show == "all":
        page = selectors.campaign_list(active=True, cursor=cursor)
    elif show == "deleted":
        page = selectors.campaign_list(active=False, cursor=cursor)
    else:
        page, show = selectors.campaign_list_live(cursor=cursor), "live"
    return render(request, "staff/campaigns/list.html", {"page": page, "show": show, "product": product})


@staff_required
def campaign_create(request):
    initial = {"product_id": request.GET.get("product", "")}
    form = CampaignForm(request.POST or None, initial=initial, product_choices=product_choices(), editing=False)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            campaign = services.campaign_create(actor=actor(request), **form.cleaned_data)
            messages.success(request, f"Campaign {campaign.code} created.")
            return redirect("staff:campaign_detail", code=campaign.code)
    return render(request, "staff/campaigns/form.html", {"form": form})


@staff_required
def campaign_detail(request, code):
    view = selectors.campaign_view(campaign=access_campaign(code=code))
    history = audit_selectors.audit_target_page(target_type="campaign", target_id=view.code, limit=5)
    return render(request, "staff/campaigns/detail.html", {
        "view": view, "campaign": view.campaign, "history": history,
        "toggle_form": ActiveToggleForm(initial={"version": view.campaign.version}, auto_id=False),
    })


@staff_required
def campaign_edit(request, code):
    campaign = access_campaign(code=code)
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign),
                        product_choices=product_choices(), editing=True)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            campaign = services.campaign_update(actor=actor(request), campaign=campaign, **form.cleaned_data)
            messages.success(request, f"Campaign {campaign.code} saved.")
            return redirect("staff:campaign_detail", code=campaign.code)
    return render(request, "staff/campaigns/form.html", {"form": form, "campaign": campaign})


def _toggle(request, code, service, done: str):
    campaign = access_campaign(code=code)
    form = ActiveToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete. Reload the page and try again.")
    else:
        with refusals_as_messages(request):
            service(actor=actor(request), campaign=campaign, version=form.cleaned_data["version"])
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
    campaign = access_campaign(code=code)
    page = audit_selectors.audit_target_page(target_type="campaign", target_id=campaign.code,
                                             cursor=request.GET.get("cursor"))
    return render(request, "staff/audit/list.html", {"page": page, "subject": f"Campaign {campaign.code}",
                                                     "back_url": reverse("staff:campaign_detail", args=[campaign.code])})
