"""A submission's delivery timeline, retry one delivery now, re-send to a destination."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.permissions import user_can
from portal.errors import NotFound
from portal.forms.destinations import ResendForm
from portal.selectors.access import access_destination, access_submission
from portal.selectors.deliveries import delivery_timeline
from portal.selectors.destinations import destination_list
from portal.services.delivery_setup import deliveries as services
from portal.services.ingest.delivery_plan import destination_routes
from portal.views.refusals import refusals_as_messages


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def submission_deliveries(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    destinations = [d for d in destination_list(tenant_id=request.tenant.id)
                    if d.enabled and destination_routes(d, site_id=submission.siteId, form_id=submission.formId)]
    return render(request, "portal/deliveries/submission.html", {
        "submission": submission,
        "timeline": delivery_timeline(tenant_id=request.tenant.id, submission_id=submission.id),
        "resend_form": ResendForm(destinations=destinations), "can_retry": user_can(request.portal_user, perm.RETRY),
    })


def _report(request, outcome, label: str) -> None:
    attempt = outcome.attempt
    if attempt is not None and attempt.succeeded:
        messages.success(request, f"{label}: delivered (attempt {attempt.number}).")
    elif attempt is not None:
        messages.error(request, f"{label}: attempt {attempt.number} failed: {attempt.error}")
    else:
        messages.error(request, f"{label}: nothing was sent.")


@require_POST
@permission_required(perm.RETRY)
def delivery_retry(request, submission_id, destination_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    destination = access_destination(tenant=request.tenant, destination_id=destination_id)
    with refusals_as_messages(request):
        outcome = services.delivery_retry_now(tenant=request.tenant, actor=request.portal_user.email,
                                              submission=submission, destination=destination)
        _report(request, outcome, "Retry")
    if request.POST.get("back") == "destination":
        return redirect("portal:destination_detail", destination_id=destination_id)
    return redirect("portal:submission_deliveries", submission_id=submission_id)


@require_POST
@permission_required(perm.RETRY)
def submission_resend(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    form = ResendForm(request.POST, destinations=destination_list(tenant_id=request.tenant.id))
    if not form.is_valid():
        raise NotFound("No such destination.")
    destination = access_destination(tenant=request.tenant, destination_id=form.cleaned_data["destination_id"])
    with refusals_as_messages(request):
        outcome = services.delivery_resend(tenant=request.tenant, actor=request.portal_user.email,
                                           submission=submission, destination=destination)
        _report(request, outcome, "Re-send")
    return redirect("portal:submission_deliveries", submission_id=submission.id)
