"""Filters of the submissions list and exports, turned into the selector's SubmissionFilters."""
from django import forms

from portal.dynamo.delivery_status import LABELS, DeliveryStatus
from portal.dynamo.leads import STATES
from portal.selectors.submissions import (ARCHIVED_ALL, ARCHIVED_HIDDEN, ARCHIVED_ONLY, SPAM_ALL, SPAM_EXCLUDED,
                                          SPAM_ONLY, SubmissionFilters)
from portal.services.leads.rules import STATE_LABELS
from portal.services.ingest.store import FORM_ID
from portal.text import email_normalise

STATUS_CHOICES = [("", "Any status")] + [(status.value, LABELS[status]) for status in (
    DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.PARTIAL, DeliveryStatus.DELIVERED,
    DeliveryStatus.NO_DESTINATION)]


class SubmissionFilterForm(forms.Form):
    email = forms.CharField(max_length=254, required=False, label="Submitter e-mail",
                            help_text="Every submission from this address; the other filters narrow it.")
    site = forms.ChoiceField(required=False, label="Site")
    form = forms.CharField(max_length=100, required=False, label="Form id")
    status = forms.ChoiceField(required=False, label="Delivery", choices=STATUS_CHOICES)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    spam = forms.ChoiceField(required=False, label="Show", choices=[
        ("", "Not spam"), (SPAM_ONLY, "Spam only"), (SPAM_ALL, "Everything")])

    state = forms.ChoiceField(required=False, label="Lead", choices=[("", "Any state")] + [
        (state, STATE_LABELS[state]) for state in STATES])
    assignee = forms.ChoiceField(required=False, label="Assigned to")
    starred = forms.BooleanField(required=False, label="Starred only")
    archived = forms.ChoiceField(required=False, label="Archived", choices=[
        (ARCHIVED_HIDDEN, "Hide archived"), (ARCHIVED_ONLY, "Archived only"), (ARCHIVED_ALL, "Both")])

    def __init__(self, *args, sites=(), people=(), **kwargs):
        """`sites`: the sites the user may see (a client's own only); `people`: who leads can
        be assigned to (a client: itself only)."""
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All sites")] + [(site.id, site.domain) for site in sites]
        self.fields["assignee"].choices = [("", "Anyone")] + [(user.email, user.name or user.email) for user in people]

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        if value and not email_normalise(value):
            raise forms.ValidationError("Enter one e-mail address, like ada@example.com.")
        return email_normalise(value) if value else ""

    def clean_form(self):
        value = self.cleaned_data["form"].strip()
        if value and not FORM_ID.match(value):
            raise forms.ValidationError("Form ids contain only letters, digits and _ . : -")
        return value

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> SubmissionFilters:
        if not self.is_valid():
            return SubmissionFilters()
        data = self.cleaned_data
        return SubmissionFilters(form_id=data["form"] or None, date_from=data["date_from"], date_to=data["date_to"],
                                 spam=data["spam"] or SPAM_EXCLUDED, site_id=data["site"] or None,
                                 status=data["status"] or None, email=data["email"] or None,
                                 lead_state=data["state"] or None, assignee=data["assignee"] or None,
                                 starred=bool(data["starred"]), archived=data["archived"] or ARCHIVED_HIDDEN)


class DeleteSubmissionForm(forms.Form):
    confirm = forms.BooleanField(label="I understand this submission is deleted for good and cannot be restored.")
    reason = forms.CharField(max_length=200, required=False, label="Reason (kept in the audit trail)",
                             help_text="For example: privacy request from the sender.")
