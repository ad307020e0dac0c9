"""API keys of a site. The full key is rendered once, in the answer to the POST that made
it (never stored, never cached): reloading the page cannot show it again."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.sites import ApiKeyForm
from portal.selectors.access import access_api_key, access_site
from portal.selectors.sites import api_key_list
from portal.services.api_keys import api_key_create, api_key_revoke
from portal.views.refusals import refusals_as_messages


@never_cache
@require_POST
@permission_required(perm.MANAGE_KEYS)
def key_create(request, site_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/sites/detail.html", {
            "site": site, "keys": api_key_list(tenant_id=request.tenant.id, site_id=site.id), "key_form": form},
            status=400)
    with refusals_as_messages(request):
        key, raw_key = api_key_create(tenant=request.tenant, actor=request.portal_user.email, site=site,
                                      label=form.cleaned_data["label"])
        return render(request, "portal/sites/key_created.html", {"site": site, "key": key, "raw_key": raw_key},
                      status=201)
    return redirect("portal:site_detail", site_id=site.id)


@require_POST
@permission_required(perm.MANAGE_KEYS)
def key_revoke(request, site_id, key_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    key = access_api_key(tenant=request.tenant, site=site, key_id=key_id)
    api_key_revoke(tenant=request.tenant, actor=request.portal_user.email, key=key)
    messages.success(request, f"Key {key.displayPrefix}… revoked. Requests using it now get 401.")
    return redirect("portal:site_detail", site_id=site.id)
