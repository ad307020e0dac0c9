"""A site's protection page: CAPTCHA provider for browser posts and the daily cap."""
from django.contrib import messages
from django.shortcuts import redirect, render

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.site_protection import SiteProtectionForm
from portal.selectors.access import access_site
from portal.services.sites.site_protection import site_protection_update
from portal.views.refusals import refusals_on_form


@permission_required(perm.MANAGE_SITES, read=perm.MANAGE_SITES)
def site_protection(request, site_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    form = SiteProtectionForm.for_site(site, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            site_protection_update(tenant=request.tenant, actor=request.portal_user.email, site=site,
                                   **form.service_values())
            messages.success(request, f"Protection of {site.domain} saved. The quick start shows the snippet.")
            return redirect("portal:site_detail", site_id=site.id)
    return render(request, "portal/sites/protection.html", {"site": site, "form": form})
