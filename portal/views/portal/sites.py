"""Sites of the signed-in tenant: list and add, detail with its API keys, delete, quick start."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.sites import ApiKeyForm, SiteForm
from portal.selectors.access import access_site
from portal.selectors.metrics import site_usage_month
from portal.selectors.billing.plans import plan_quotas
from portal.selectors.sites import api_key_list, site_list
from portal.services.sites import domain_verification
from portal.services.sites import sites as site_services
from portal.services.ingest.captcha import PROVIDERS
from portal.services.ingest.sample import sample_submission_send
from portal.selectors.destinations import destination_list
from portal.services.delivery_setup.inspector import inspector_enabled, is_inspector_url
from portal.services.sites.wordpress_plugin import plugin_zip
from portal.views.refusals import refusals_as_messages, refusals_on_form
from portal.views.utils import zip_attachment


@permission_required(perm.MANAGE_SITES)
def site_index(request):
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            site = site_services.site_add(tenant=request.tenant, actor=request.portal_user.email, **form.cleaned_data)
            messages.success(request, f"Site {site.domain} added. Create an API key to start sending submissions; "
                                      "verify the domain below to accept browser forms too.")
            return redirect("portal:site_detail", site_id=site.id)
    sites = site_list(tenant_id=request.tenant.id)
    usage = site_usage_month(tenant=request.tenant)
    return render(request, "portal/sites/index.html", {
        "form": form, "sites": sites, "max_sites": plan_quotas(tenant=request.tenant).max_sites,
        "rows": [(site, usage.get(site.id)) for site in sites]})


@permission_required(perm.MANAGE_SITES)
def site_detail(request, site_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    return render(request, "portal/sites/detail.html", {
        "site": site, "keys": api_key_list(tenant_id=request.tenant.id, site_id=site.id), "key_form": ApiKeyForm(),
        "verification": None if site.verified else domain_verification.verification_instructions(site=site)})


@require_POST
@permission_required(perm.MANAGE_SITES)
def site_verify(request, site_id):
    """The "Verify now" button: the server looks for the DNS record, then the file."""
    site = access_site(tenant=request.tenant, site_id=site_id)
    with refusals_as_messages(request):
        method = domain_verification.site_verify(tenant=request.tenant, actor=request.portal_user.email, site=site)
        proof = "the DNS TXT record" if method == "dns-txt" else "the file on the site"
        messages.success(request, f"{site.domain} is verified ({proof}): its browser forms are accepted now.")
    return redirect("portal:site_detail", site_id=site.id)


@permission_required(perm.MANAGE_SITES, read=perm.MANAGE_SITES)
def site_delete(request, site_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    if request.method == "POST":
        site_services.site_delete(tenant=request.tenant, actor=request.portal_user.email, site=site)
        messages.success(request, f"Site {site.domain} deleted and its API keys revoked.")
        return redirect("portal:site_index")
    return render(request, "portal/sites/delete.html", {"site": site})


@require_POST
@permission_required(perm.MANAGE_SITES)
def site_test_submission(request, site_id):
    """ "Send a test submission": stored through ingest, then its page shows each delivery."""
    site = access_site(tenant=request.tenant, site_id=site_id)
    with refusals_as_messages(request):
        sent = sample_submission_send(tenant=request.tenant, actor=request.portal_user.email, site=site)
        if sent.destination_names:
            messages.success(request, f"Test submission stored. It is being delivered to {', '.join(sent.destination_names)}:"
                                      " each delivery below shows its attempts (reload to follow them).")
        else:
            messages.warning(request, "Test submission stored, but no destination takes it yet: add a destination "
                                      "(webhook or e-mail) and send another.")
        return redirect("portal:submission_detail", submission_id=sent.submission_id)
    return redirect("portal:site_detail", site_id=site.id)


@permission_required(perm.VIEW)
def site_quick_start(request, site_id):
    site = access_site(tenant=request.tenant, site_id=site_id)
    destinations = [d for d in destination_list(tenant_id=request.tenant.id)]
    inspector = inspector_enabled()
    return render(request, "portal/sites/quick_start.html", {
        "site": site, "api_url": f"{settings.SITE_URL}/api/v1/submissions", "site_url": settings.SITE_URL,
        "form_url": f"{settings.SITE_URL}/f/{site.id}/contact", "captcha": PROVIDERS.get(site.captchaProvider or ""),
        "keys": [k for k in api_key_list(tenant_id=request.tenant.id, site_id=site.id) if k.active],
        "destinations": destinations, "inspector": inspector,
        "has_inspector_destination": inspector and any(
            is_inspector_url(tenant_id=request.tenant.id, url=d.url) for d in destinations)})


@permission_required(perm.VIEW)
def site_plugin_zip(request, site_id):
    """The WordPress plugin, configured with this Form-Bridge's endpoint (no key: it holds no secret)."""
    access_site(tenant=request.tenant, site_id=site_id)
    return zip_attachment(plugin_zip(endpoint=settings.SITE_URL), filename="form-bridge.zip")
