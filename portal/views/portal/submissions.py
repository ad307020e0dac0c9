"""Submissions of the signed-in tenant: list with filters, detail, spam, delete, export."""
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.submissions import DeleteSubmissionForm, SubmissionFilterForm
from portal.selectors.access import access_submission
from portal.selectors.deliveries import delivery_timeline
from portal.errors import NotFound
from portal.selectors.exports import csv_rows, jsonl_lines
from portal.files.links import file_link, submission_files
from portal.selectors.pagination import BadCursor
from portal.selectors.leads import lead_people
from portal.selectors.sites import visible_sites
from portal.selectors.submissions import submission_iter, submission_list
from portal.services.submissions import submission_delete, submission_mark_spam
from portal.views.refusals import refusals_as_messages
from portal.views.portal.lead_panel import lead_detail_context, lead_list_context


def _filter_form(request, sites=None) -> SubmissionFilterForm:
    return SubmissionFilterForm(request.GET, sites=visible_sites(tenant=request.tenant) if sites is None else sites,
                                people=lead_people(tenant=request.tenant, user=request.portal_user))


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def submission_index(request):
    sites = visible_sites(tenant=request.tenant)
    form = _filter_form(request, sites)
    filters = form.filters()
    page_size = max(5, min(int(getattr(request.portal_user.preferences, "pageSize", 25) or 25), 100))
    # Unlike other lists, a bad cursor here answers 400 in place (the filters stay in the form)
    # rather than the middleware's redirect to the first page.
    try:
        page = submission_list(tenant=request.tenant, filters=filters, cursor=request.GET.get("cursor"),
                               limit=page_size)
        bad_cursor = None
    except BadCursor as error:
        page, bad_cursor = None, str(error)
    return render(request, "portal/submissions/index.html", {
        "form": form, "page": page, "page_limit": page_size, "bad_cursor": bad_cursor, "filters": filters,
        "site_domains": {site.id: site.domain for site in sites},
        "filter_query": page.first_query if page else "",
        **lead_list_context(request)}, status=400 if bad_cursor else 200)


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def submission_detail(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    site = next((s for s in visible_sites(tenant=request.tenant) if s.id == submission.siteId), None)
    return render(request, "portal/submissions/detail.html", {
        "submission": submission, "site": site, "fields": submission.fields, "meta": submission.meta,
        "files": submission_files(submission),
        "timeline": delivery_timeline(tenant_id=request.tenant.id, submission_id=submission.id),
        **lead_detail_context(request, submission)})


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def submission_file(request, submission_id, file_index):
    """A fresh short-lived signed link to one file, minted only for the submission's tenant."""
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    index = int(file_index) if file_index.isdigit() and len(file_index) < 4 else -1
    if not 0 <= index < len(submission_files(submission)):
        raise NotFound("No such file.")
    return redirect(file_link(tenant_id=request.tenant.id, submission_id=submission.id, index=index,
                              seconds=settings.FILES_PORTAL_LINK_SECONDS).path)


@require_POST
@permission_required(perm.MARK_SPAM)
def submission_spam(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    spam = request.POST.get("spam") == "1"
    with refusals_as_messages(request):
        submission_mark_spam(tenant=request.tenant, actor=request.portal_user.email, submission=submission, spam=spam)
        messages.success(request, "Marked as spam." if spam else "Marked as not spam.")
    return redirect("portal:submission_detail", submission_id=submission.id)


@permission_required(perm.PRIVACY_DELETE, read=perm.PRIVACY_DELETE)
def submission_delete_view(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    form = DeleteSubmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submission_delete(tenant=request.tenant, actor=request.portal_user.email, submission=submission,
                          reason=form.cleaned_data["reason"])
        messages.success(request, f"Submission {submission.id} deleted for good.")
        return redirect("portal:submission_index")
    return render(request, "portal/submissions/delete.html", {"submission": submission, "form": form})


def _export(request, rows, *, content_type: str, extension: str):
    sites = visible_sites(tenant=request.tenant)
    filters = _filter_form(request, sites).filters()
    items = submission_iter(tenant=request.tenant, filters=filters)
    response = StreamingHttpResponse(rows(items, {site.id: site.domain for site in sites}), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="submissions.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required(perm.EXPORT, read=perm.EXPORT)
def submission_export_csv(request):
    return _export(request, csv_rows, content_type="text/csv; charset=utf-8", extension="csv")


@permission_required(perm.EXPORT, read=perm.EXPORT)
def submission_export_jsonl(request):
    return _export(request, jsonl_lines, content_type="application/x-ndjson; charset=utf-8", extension="jsonl")
