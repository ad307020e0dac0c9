"""The tenant's account: profile, plan and usage, order history."""
from django.contrib import messages
from django.shortcuts import redirect, render

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.account import ProfileForm
from portal.selectors.billing.orders import order_list
from portal.selectors.billing.plans import plan_usage
from portal.services.accounts.profile import account_profile_update
from portal.services.billing.onboarding import api_keys_allowed
from portal.views.refusals import refusals_on_form


@permission_required(perm.VIEW)
def account(request):
    tenant = request.tenant
    return render(request, "portal/account/index.html", {
        "tenant": tenant, "plan": plan_usage(tenant=tenant), "api_keys_allowed": api_keys_allowed(tenant=tenant),
    })


@permission_required(perm.MANAGE_ACCOUNT, read=perm.MANAGE_ACCOUNT)
def profile_edit(request):
    tenant = request.tenant
    initial = {"version": tenant.version, "organization": tenant.organization,
               "destination_email": tenant.destinationEmail or ""}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            account_profile_update(tenant=tenant, actor=request.portal_user.email, **form.cleaned_data)
            messages.success(request, "Organization details saved.")
            return redirect("portal:account")
    return render(request, "portal/account/profile.html", {"form": form})


@permission_required(perm.VIEW)
def plan(request):
    orders = order_list(tenant_id=request.tenant.id, cursor=request.GET.get("cursor"))
    return render(request, "portal/account/plan.html", {"plan": plan_usage(tenant=request.tenant), "orders": orders})
