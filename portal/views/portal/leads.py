"""The lead inbox pages: change one lead, notes, reply, bulk actions, "assigned to me" and the
lead settings. Every submission is reached through access_submission (tenant and site scope:
another tenant's or another site's id is a 404 and changes nothing)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.leads import BulkForm, ClientRightsForm, LeadChangeForm, LeadEmailForm, NoteForm, ReplyForm
from portal.selectors.access import access_submission
from portal.selectors.leads import lead_assignable, lead_clients
from portal.services.leads.notes import lead_note_add, lead_note_edit, lead_reply, lead_reply_address
from portal.services.leads.work import (CLIENT_DEFAULT_RIGHTS, RIGHT_REPLY, lead_bulk, lead_client_rights_set,
                                        lead_email_preference_set, lead_rights, lead_update)
from portal.views.refusals import refusals_as_messages, refusals_on_form


def _back(submission_id):
    return redirect("portal:submission_detail", submission_id=submission_id)


def _form_errors_as_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_POST
@permission_required(perm.WORK_LEADS, read=perm.VIEW_SUBMISSIONS)
def lead_change(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    form = LeadChangeForm(request.POST, people=lead_assignable(tenant=request.tenant, site_id=submission.siteId))
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return _back(submission.id)
    with refusals_as_messages(request):
        lead_update(tenant=request.tenant, actor=request.portal_user, submission=submission,
                    expected_version=form.cleaned_data["version"], **form.changes())
        messages.success(request, "Lead updated.")
    return _back(submission.id)


@require_POST
@permission_required(perm.WORK_LEADS, read=perm.VIEW_SUBMISSIONS)
def lead_note(request, submission_id):
    """Add a note, or (with note_id) edit one's own within its 15 minutes."""
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return _back(submission.id)
    data = form.cleaned_data
    with refusals_as_messages(request):
        if data["note_id"]:
            lead_note_edit(tenant=request.tenant, actor=request.portal_user, submission=submission,
                           note_id=data["note_id"], body=data["body"], version=data["version"])
            messages.success(request, "Note saved.")
        else:
            lead_note_add(tenant=request.tenant, actor=request.portal_user, submission=submission, body=data["body"])
            messages.success(request, "Note added.")
    return _back(submission.id)


@permission_required(perm.WORK_LEADS, read=perm.VIEW_SUBMISSIONS)
def lead_reply_view(request, submission_id):
    submission = access_submission(tenant=request.tenant, submission_id=submission_id)
    form = ReplyForm(request.POST or None, initial={"subject": f"Re: your message ({submission.formId})"})
    may_reply = RIGHT_REPLY in lead_rights(request.portal_user)
    if request.method == "POST" and form.is_valid():
        with refusals_on_form(form):
            lead_reply(tenant=request.tenant, actor=request.portal_user, submission=submission,
                       subject=form.cleaned_data["subject"], body=form.cleaned_data["body"])
            messages.success(request, "Reply sent.")
            return _back(submission.id)
    return render(request, "portal/leads/reply.html", {
        "submission": submission, "form": form, "to": lead_reply_address(submission), "may_reply": may_reply})


@require_POST
@permission_required(perm.WORK_LEADS, read=perm.VIEW_SUBMISSIONS)
def lead_bulk_view(request):
    form = BulkForm(request.POST)
    back = reverse("portal:submission_index") + ("?" + request.POST["filters"] if request.POST.get("filters") else "")
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    with refusals_as_messages(request):
        result = lead_bulk(tenant=request.tenant, actor=request.portal_user, submission_ids=data["ids"],
                           action=data["action"], value=data["state"] if data["action"] == "state" else data["assignee"])
        messages.success(request, f"{result.changed} changed, {result.unchanged} already so.")
        for line in result.refused[:10]:
            messages.warning(request, line)
    return redirect(back)


@permission_required(perm.VIEW_SUBMISSIONS, read=perm.VIEW_SUBMISSIONS)
def lead_mine(request):
    """"Assigned to me": the submissions list filtered to the signed-in user."""
    query = urlencode({"assignee": request.portal_user.email})
    return redirect(reverse("portal:submission_index") + "?" + query)


@permission_required(perm.WORK_LEADS, read=perm.VIEW_SUBMISSIONS)
def lead_settings(request):
    """One's own lead e-mails; for the owner and admins, what each client may do."""
    user = request.portal_user
    manage = perm.user_can(user, perm.MANAGE_TEAM)
    email_form = LeadEmailForm(request.POST if request.POST.get("form") == "emails" else None,
                               initial={"lead_emails": getattr(user.preferences, "leadEmails", True)})
    if request.method == "POST" and request.POST.get("form") == "emails" and email_form.is_valid():
        with refusals_as_messages(request):
            lead_email_preference_set(user=user, enabled=email_form.cleaned_data["lead_emails"])
            messages.success(request, "Saved.")
        return redirect("portal:lead_settings")
    if request.method == "POST" and request.POST.get("form") == "client":
        rights_form = ClientRightsForm(request.POST)
        if manage and rights_form.is_valid():
            clients = {client.email: client for client in lead_clients(tenant=request.tenant)}
            client = clients.get(rights_form.cleaned_data["email"].lower())
            if client is None:
                messages.error(request, "No such client.")
            else:
                with refusals_as_messages(request):
                    lead_client_rights_set(tenant=request.tenant, actor=user, user=client,
                                           rights=rights_form.cleaned_data["rights"])
                    messages.success(request, f"Saved what {client.email} may do.")
            return redirect("portal:lead_settings")
        if not manage:
            return render(request, "portal/account/not_permitted.html", status=403)
        _form_errors_as_messages(request, rights_form)
        return redirect("portal:lead_settings")
    clients = []
    if manage:
        for client in lead_clients(tenant=request.tenant):
            rights = list(CLIENT_DEFAULT_RIGHTS) if client.leadRights is None else list(client.leadRights)
            clients.append({"user": client, "form": ClientRightsForm(initial={"email": client.email, "rights": rights},
                                                                     auto_id=f"id_{client.id}_%s")})
    return render(request, "portal/leads/settings.html", {"email_form": email_form, "clients": clients,
                                                           "manage": manage})
