"""Destination and bulk-retry forms: plain Django forms that validate shape; the services
apply the business rules."""
import re

from django import forms
from django.conf import settings

from portal.dynamo.destinations import EMAIL, WEBHOOK

MAX_BULK_DAYS = 14
# RFC 9110: a header name is a token; values here are visible ASCII with inner spaces (what
# every receiver accepts; HTTP itself can only carry Latin-1, which would fail at send time).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class DestinationForm(forms.Form):
    name = forms.CharField(max_length=100)
    type = forms.ChoiceField(choices=[(WEBHOOK, "Webhook (signed HTTPS POST)"), (EMAIL, "E-mail")], initial=WEBHOOK)
    url = forms.CharField(label="Webhook URL", required=False, max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/form-bridge"}),
                          help_text="Webhooks only. Must start with https://.")
    headers = forms.CharField(label="Custom headers", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Webhooks only. One per line, like Authorization: Bearer abc123.")
    recipients = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text="E-mail only. One or more addresses, separated by commas or lines.")
    site_ids = forms.MultipleChoiceField(label="Only these sites", required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="None ticked means every site, including sites added later.")
    form_ids = forms.MultipleChoiceField(label="Only these forms", required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="Forms seen on your sites in the last 30 days. None ticked means "
                                                   "every form of the chosen sites.")
    subject_template = forms.CharField(label="E-mail subject", required=False, max_length=200,
                                       help_text="E-mail only. Placeholders: {form}, {site} and any field, like "
                                                 "New {form} from {name}. Empty: the standard subject.")
    rate_limit = forms.DecimalField(label="Max requests per second", required=False, min_value=0.1, max_value=1000,
                                    decimal_places=1,
                                    help_text="Optional. For receivers that throttle; empty means no limit.")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_headers(self):
        headers = {}
        for number, line in enumerate(self.cleaned_data["headers"].splitlines(), start=1):
            if not line.strip():
                continue
            if ":" not in line:
                raise forms.ValidationError(f"Line {number} needs a colon: Name: value.")
            name, value = (part.strip() for part in line.split(":", 1))
            if not HEADER_NAME.fullmatch(name):
                raise forms.ValidationError(f"Line {number}: a header name uses letters, digits and - only.")
            if not HEADER_VALUE.fullmatch(value):
                raise forms.ValidationError(
                    f"Line {number}: the value of {name} must be visible ASCII characters (no accents, no emoji).")
            headers[name] = value
        return headers

    def clean_recipients(self):
        return _split(self.cleaned_data["recipients"])

    def __init__(self, *args, sites=(), forms_by_site: dict | None = None, destination=None, **kwargs):
        """`sites`: the tenant's sites; `forms_by_site`: form ids seen per site id (the day
        counters). A destination's current choices stay offered even if no longer seen."""
        super().__init__(*args, **kwargs)
        if settings.DELIVERY_ALLOWED_HOSTS:
            # Development and tests allow http:// to some hosts: say so where the rule is stated.
            self.fields["url"].help_text = (
                "Webhooks only. Must start with https://; here http:// also works for "
                f"{', '.join(sorted(set(settings.DELIVERY_ALLOWED_HOSTS)))} (development settings), "
                "such as the built-in inspector.")
        domains = {site.id: site.domain for site in sites}
        seen: dict[str, list[str]] = {}
        for site_id, form_ids in (forms_by_site or {}).items():
            for form_id in form_ids:
                seen.setdefault(form_id, []).append(domains.get(site_id, "a deleted site"))
        for form_id in (destination.formIds if destination else []) or []:
            seen.setdefault(form_id, [])
        self.fields["site_ids"].choices = [(site.id, site.domain) for site in sites] + [
            (site_id, "(a deleted site)") for site_id in (destination.siteIds if destination else []) or []
            if site_id not in domains]
        self.fields["form_ids"].choices = [
            (form_id, f"{form_id} (on {', '.join(sorted(on))})" if on else form_id)
            for form_id, on in sorted(seen.items())]

    @classmethod
    def initial_for(cls, destination) -> dict:
        return {
            "name": destination.name, "type": destination.type, "url": destination.url or "",
            "headers": "\n".join(f"{k}: {v}" for k, v in (destination.headers or {}).items()),
            "recipients": ", ".join(destination.recipients or []), "form_ids": list(destination.formIds or []),
            "site_ids": list(destination.siteIds or []), "subject_template": destination.subjectTemplate or "",
            "rate_limit": destination.rateLimit, "version": destination.version,
        }


class BulkRetryForm(forms.Form):
    since = forms.DateField(label="Failed from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="to (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                raise forms.ValidationError("The end date must not be before the start date.")
            if (until - since).days >= MAX_BULK_DAYS:
                raise forms.ValidationError(f"Choose a window of at most {MAX_BULK_DAYS} days.")
        return data


class ResendForm(forms.Form):
    destination_id = forms.ChoiceField(label="Destination")

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination_id"].choices = [(d.id, d.name) for d in destinations]
