"""Public pages: pricing (with a campaign code) and checkout. No sign-in needed."""
from django.contrib import messages
from django.shortcuts import redirect, render

from portal.forms.signup import CampaignCodeForm, CheckoutForm
from portal.selectors.billing.pricing import pricing_products
from portal.selectors.billing.products import product_choices
from portal.services.accounts import auth
from portal.views.refusals import form_add_service_errors
from portal.services.billing.signup import (CampaignCodeRejected, CheckoutInvalid, campaign_for_code, checkout_place, price_quote,
                                    signup_taken_notice)
from portal.services.billing.tenants import EmailTaken
from portal.decorators import portal_user_optional
from portal.views.utils import client_ip


@portal_user_optional
def pricing(request):
    form = CampaignCodeForm(request.GET or None)
    campaign = None
    if form.is_valid() and form.cleaned_data["code"]:
        try:
            campaign = campaign_for_code(code=form.cleaned_data["code"])
        except CampaignCodeRejected as rejected:
            form.add_error("code", str(rejected))
    return render(request, "public/pricing.html", {
        "form": form, "campaign": campaign, "products": pricing_products(campaign=campaign),
    })


def _quote_or_error(product_id: str, code: str):
    if not product_id:
        return None, None
    try:
        return price_quote(product_id=product_id, campaign_code=code), None
    except CheckoutInvalid as invalid:
        return None, str(invalid)


def checkout(request):
    source = request.POST if request.method == "POST" else request.GET
    initial = {"product_id": request.GET.get("product", ""), "campaign_code": request.GET.get("code", "")}
    form = CheckoutForm(request.POST or None, initial=initial, product_choices=product_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant, user, order = checkout_place(
                email=data["email"], password=data["password"], organization=data["organization"],
                product_id=data["product_id"], campaign_code=data["campaign_code"], ip=client_ip(request))
        except CheckoutInvalid as invalid:
            form_add_service_errors(form, invalid)
        except EmailTaken:
            # The same "check your inbox" answer as for a new address: the owner is told instead.
            signup_taken_notice(email=data["email"])
            return redirect("portal:checkout_sent")
        else:
            auth.portal_login(request=request, user=user)
            # The banner under it asks for the confirmation: the welcome does not repeat it.
            messages.success(request, f"Welcome to Form-Bridge, {tenant.organization}!")
            return redirect("portal:home")
    quote, quote_error = _quote_or_error(source.get("product_id") or source.get("product", ""),
                                         source.get("campaign_code") or source.get("code", ""))
    return render(request, "public/checkout.html", {"form": form, "quote": quote, "quote_error": quote_error})


def checkout_sent(request):
    return render(request, "public/checkout_sent.html")
