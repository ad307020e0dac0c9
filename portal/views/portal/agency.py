"""Agency pages: privacy requests (find, export, erase one person's submissions) and the
brand the agency's clients see. Thin: each calls one service or selector."""
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.agency import BrandingForm, PrivacyEmailForm, PrivacyEraseForm
from portal.selectors.access import access_privacy_job
from portal.selectors.pagination import BadCursor
from portal.selectors.privacy import privacy_job_list
from portal.selectors.sites import visible_sites
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.accounts import branding
from portal.services.compliance import privacy
from portal.views.refusals import refusals_as_messages, refusals_on_form


@permission_required(perm.PRIVACY_DELETE, read=perm.PRIVACY_DELETE)
def privacy_index(request):
    form = PrivacyEmailForm(request.GET or None)
    page = None
    if form.is_valid():
        try:
            page = submission_list(tenant=request.tenant, cursor=request.GET.get("cursor"),
                                   filters=SubmissionFilters(email=form.cleaned_data["email"], spam=SPAM_ALL))
        except BadCursor:
            page = None
    return render(request, "portal/privacy/index.html", {
        "form": form, "page": page, "jobs": privacy_job_list(tenant=request.tenant),
        "site_domains": {site.id: site.domain for site in visible_sites(tenant=request.tenant)},
        "erase_form": PrivacyEraseForm(initial={"email": form.cleaned_data["email"]}) if page and page.items else None})


@permission_required(perm.PRIVACY_DELETE, read=perm.PRIVACY_DELETE)
def privacy_export(request):
    form = PrivacyEmailForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Enter one e-mail address to export.")
        return redirect("portal:privacy")
    chunks = privacy.privacy_export_chunks(tenant=request.tenant, actor=request.portal_user.email,
                                           email=form.cleaned_data["email"])
    response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="privacy-export.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(perm.PRIVACY_DELETE)
def privacy_erase(request):
    form = PrivacyEraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to confirm: erased submissions cannot be restored.")
        return redirect(reverse("portal:privacy") + "?" + urlencode({"email": request.POST.get("email", "")[:254]}))
    with refusals_as_messages(request):
        job = privacy.privacy_erase_request(tenant=request.tenant, actor=request.portal_user.email,
                                            email=form.cleaned_data["email"])
        messages.success(request, f"Erasing {job.found} submission{'' if job.found == 1 else 's'} in the background.")
        return redirect("portal:privacy_job", job_id=job.id)
    return redirect("portal:privacy")


@permission_required(perm.PRIVACY_DELETE, read=perm.PRIVACY_DELETE)
def privacy_job(request, job_id):
    job = access_privacy_job(tenant=request.tenant, job_id=job_id)
    return render(request, "portal/privacy/job.html", {"job": job})


@permission_required(perm.MANAGE_ACCOUNT, read=perm.MANAGE_ACCOUNT)
def branding_edit(request):
    form = BrandingForm(request.POST or None, request.FILES or None,
                        initial={"brand_name": request.tenant.brandName or ""})
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            branding.tenant_branding_update(tenant=request.tenant, actor=request.portal_user.email,
                                            brand_name=form.cleaned_data["brand_name"], logo=form.cleaned_data["logo"],
                                            remove_logo=form.cleaned_data["remove_logo"])
            messages.success(request, "Brand saved. Your clients see it in the portal and in notification e-mails.")
            return redirect("portal:branding")
    return render(request, "portal/account/branding.html", {"form": form, "tenant": request.tenant})


def brand_logo(request, tenant_id, name):
    """A tenant's current logo, public (e-mail clients fetch it without a session): served
    as the image type its bytes were checked to be, never sniffed, never as HTML."""
    found = branding.brand_logo_open(tenant=tenant_get_or_none(tenant_id=tenant_id) if len(tenant_id) <= 64 else None,
                                     name=name)
    if found is None:
        raise Http404("No such logo.")
    handle, content_type = found
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
