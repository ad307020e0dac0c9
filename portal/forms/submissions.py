"""Filters of the submissions list and exports, turned into the selector's SubmissionFilters."""
from django import forms

from portal.selectors.submissions import SPAM_ALL, SPAM_EXCLUDED, SPAM_ONLY, SubmissionFilters
from portal.services.ingest import FORM_ID


class SubmissionFilterForm(forms.Form):
    form = forms.CharField(max_length=100, required=False, label="Form id")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    spam = forms.ChoiceField(required=False, label="Show", choices=[
        ("", "Not spam"), (SPAM_ONLY, "Spam only"), (SPAM_ALL, "Everything")])

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
                                 spam=data["spam"] or SPAM_EXCLUDED)


class DeleteSubmissionForm(forms.Form):
    confirm = forms.BooleanField(label="I understand this submission is deleted for good and cannot be restored.")
    reason = forms.CharField(max_length=200, required=False, label="Reason (kept in the audit trail)",
                             help_text="For example: privacy request from the sender.")
