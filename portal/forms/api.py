"""Forms of the API tokens page and the notices settings page."""
from django import forms

from portal.services.accounts.api_tokens import SCOPES
from portal.services.delivery_setup.notices import KIND_LABELS


class ApiTokenForm(forms.Form):
    label = forms.CharField(max_length=100, required=False, help_text='What uses it, e.g. "Zapier" or "reporting".')
    scopes = forms.MultipleChoiceField(choices=[(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least one scope."})


class ApiTokenRevokeForm(forms.Form):
    token_id = forms.CharField(max_length=64)


class NoticeSettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    kinds = forms.MultipleChoiceField(choices=list(KIND_LABELS.items()), required=False,
                                      widget=forms.CheckboxSelectMultiple, label="Send these notices")
    webhook_url = forms.URLField(required=False, max_length=2000, assume_scheme="https",
                                 label="Operational webhook URL",
                                 help_text="Account events are POSTed here as JSON, signed like deliveries "
                                           "(Standard Webhooks). Leave empty for e-mail only.")
    silent_hours = forms.IntegerField(min_value=12, max_value=24 * 14, label="Silent after (hours)",
                                      help_text="form.silent when a form that usually receives every day has "
                                                "received nothing for this long.")
