"""Client reports: the list, one report (page, printable layout, PDF), the owner's settings
and "send now", a client's opt-out, and the opt-out link of the e-mail (no sign-in). Thin:
each calls one selector or service; the report itself is built from the day counters."""
from __future__ import annotations

import base64
import re
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import permissions as perm
from portal.decorators import permission_required
from portal.forms.reports import ReportOptForm, ReportSettingsForm
from portal.selectors.reports.figures import report_build, report_months
from portal.selectors.reports.settings import report_recipients, report_settings
from portal.selectors.reports.subjects import access_report_subject, report_subjects
from portal.services.reports import charts
from portal.services.reports.pdf import report_pdf
from portal.services.reports.sending import brand_logo_bytes, report_last_sent, report_send_now
from portal.services.reports.settings import report_opt_set, report_settings_update, unsubscribe_token_read
from portal.views.refusals import refusals_as_messages, refusals_on_form

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(text: str) -> date:
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise Http404("No such month.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _svg_uri(svg: bytes) -> str:
    # As an <img>: the page's CSP (no inline styles) does not reach inside the picture.
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _report_context(request, report_key: str, month: str) -> dict:
    subject = access_report_subject(tenant=request.tenant, report_key=report_key)
    report = report_build(tenant=request.tenant, subject=subject, month=_month(month))
    month_label = report.month.strftime("%B %Y")
    previous_label = report.previous.first_day.strftime("%B %Y")
    return {
        "tenant": request.tenant, "subject": subject, "report": report, "month_label": month_label,
        "previous_label": previous_label, "month_short": report.month.strftime("%b %Y"),
        "previous_short": report.previous.first_day.strftime("%b %Y"),
        "days_chart": _svg_uri(charts.days_chart(report)),
        "forms_chart": _svg_uri(charts.compare_chart(report.forms, month_label=month_label,
                                                     previous_label=previous_label)) if report.forms else None,
        "pages_chart": _svg_uri(charts.compare_chart(report.pages, month_label=month_label,
                                                     previous_label=previous_label)) if report.pages else None,
    }


@permission_required(perm.VIEW_REPORTS, read=perm.VIEW_REPORTS)
def report_index(request):
    subjects = report_subjects(tenant=request.tenant)
    months = report_months(tenant=request.tenant)
    return render(request, "portal/reports/index.html", {
        "subjects": subjects, "months": months, "latest": months[1] if len(months) > 1 else months[0],
        "preview": months[0]})


@permission_required(perm.VIEW_REPORTS, read=perm.VIEW_REPORTS)
def report_detail(request, report_key, month):
    context = _report_context(request, report_key, month)
    subject = context["subject"]
    choice = report_settings(tenant=request.tenant, report_key=subject.key)
    context["months"] = report_months(tenant=request.tenant)
    if perm.user_can(request.portal_user, perm.MANAGE_REPORTS):
        context["settings_form"] = ReportSettingsForm(initial={
            "send": choice.send, "timezone": choice.timezone, "recipients": "\n".join(choice.extra_recipients),
            "version": request.tenant.version})
        context["recipients"] = report_recipients(subject=subject, settings=choice)
        context["opted_out"] = choice.opted_out
        context["settings"] = choice
        context["last_sent"] = report_last_sent(tenant=request.tenant, subject=subject)
    else:
        email = request.portal_user.email.lower()
        context["receives"] = choice.send and email not in {a.lower() for a in choice.opted_out}
        context["e_mailed"] = choice.send
    return render(request, "portal/reports/detail.html", context)


@permission_required(perm.VIEW_REPORTS, read=perm.VIEW_REPORTS)
def report_print(request, report_key, month):
    return render(request, "portal/reports/print.html", _report_context(request, report_key, month))


@permission_required(perm.VIEW_REPORTS, read=perm.VIEW_REPORTS)
def report_pdf_download(request, report_key, month):
    subject = access_report_subject(tenant=request.tenant, report_key=report_key)
    report = report_build(tenant=request.tenant, subject=subject, month=_month(month))
    pdf = report_pdf(report=report, agency_name=request.tenant.display_name, logo=brand_logo_bytes(request.tenant))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{report.month:%Y-%m}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(perm.MANAGE_REPORTS)
def report_settings_edit(request, report_key, month):
    subject = access_report_subject(tenant=request.tenant, report_key=report_key)
    form = ReportSettingsForm(request.POST)
    if form.is_valid():
        with refusals_on_form(form):
            report_settings_update(tenant=request.tenant, actor=request.portal_user.email, subject=subject,
                                   version=form.cleaned_data["version"], send=form.cleaned_data["send"],
                                   timezone=form.cleaned_data["timezone"],
                                   extra_recipients=form.cleaned_data["recipients"])
            messages.success(request, "Report settings saved.")
            return redirect("portal:report_detail", report_key=subject.key, month=month)
    for error in form.errors.values():
        for message in error:
            messages.error(request, message)
    return redirect("portal:report_detail", report_key=subject.key, month=month)


@require_POST
@permission_required(perm.MANAGE_REPORTS)
def report_send(request, report_key, month):
    subject = access_report_subject(tenant=request.tenant, report_key=report_key)
    with refusals_as_messages(request):
        sent = report_send_now(tenant=request.tenant, actor=request.portal_user.email, subject=subject,
                               month=_month(month))
        messages.success(request, f"Report sent to {sent} recipient{'' if sent == 1 else 's'}.")
    return redirect("portal:report_detail", report_key=subject.key, month=month)


@require_POST
@permission_required(perm.VIEW_REPORTS, read=perm.VIEW_REPORTS)
def report_opt(request, report_key, month):
    """A client turns the monthly e-mail of its report off (or on again) for itself."""
    subject = access_report_subject(tenant=request.tenant, report_key=report_key)
    form = ReportOptForm(request.POST)
    receive = form.is_valid() and form.cleaned_data["receive"]
    with refusals_as_messages(request):
        report_opt_set(tenant_id=request.tenant.id, report_key=subject.key, email=request.portal_user.email,
                       opted_out=not receive, actor=request.portal_user.email)
        messages.success(request, "You will get this report by e-mail." if receive
                         else "You will no longer get this report by e-mail.")
    return redirect("portal:report_detail", report_key=subject.key, month=month)


def report_unsubscribe(request, token):
    """The opt-out link of a report e-mail: a page with one button (a GET changes nothing,
    so a mail scanner that follows links does not opt anyone out)."""
    tenant_id, report_key, email = unsubscribe_token_read(token)
    done = False
    if request.method == "POST":
        report_opt_set(tenant_id=tenant_id, report_key=report_key, email=email, opted_out=True, actor=email)
        done = True
    return render(request, "portal/reports/unsubscribe.html", {"email": email, "done": done})
