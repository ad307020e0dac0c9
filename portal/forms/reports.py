"""Forms of the client report pages."""
from django import forms

from portal.services.reports.settings import MAX_EXTRA_RECIPIENTS, timezone_choices


class ReportSettingsForm(forms.Form):
    send = forms.BooleanField(required=False, label="E-mail this report on the 1st of each month")
    timezone = forms.ChoiceField(label="The client's time zone", initial="UTC")
    recipients = forms.CharField(
        required=False, label="Also send it to", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {MAX_EXTRA_RECIPIENTS} e-mail addresses, one a line (for a client without a portal account).")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(tz, tz.replace("_", " ")) for tz in timezone_choices()]

    def clean_recipients(self) -> list[str]:
        text = self.cleaned_data["recipients"] or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class ReportOptForm(forms.Form):
    receive = forms.BooleanField(required=False)
