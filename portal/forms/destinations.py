"""Destination and bulk-retry forms: plain Django forms that validate shape; the services
apply the business rules."""
import re

from django import forms
from django.conf import settings

from portal.dynamo.destinations import (
    AIRTABLE, CHAT_TYPES, DISCORD, EMAIL, GOOGLE_CHAT, HUBSPOT, INTEGRATION_TYPES, MAILCHIMP, SHEETS, SLACK, TEAMS,
    TYPE_LABELS, WEBHOOK,
)

MAX_BULK_DAYS = 14
# RFC 9110: a header name is a token; values here are visible ASCII with inner spaces (what
# every receiver accepts; HTTP itself can only carry Latin-1, which would fail at send time).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


# What the tenant creates on the other side, shown above an integration's form (docs/integrations.md has more).
SETUP = {
    SLACK: "In Slack, create an app (api.slack.com/apps), turn on Incoming Webhooks, add one to the channel and "
           "paste its URL (https://hooks.slack.com/services/…).",
    TEAMS: "In the Teams channel, open Workflows, choose \"Post to a channel when a webhook request is received\" "
           "and paste the URL it shows.",
    DISCORD: "In Discord, open the channel's settings → Integrations → Webhooks → New Webhook, and paste its URL.",
    GOOGLE_CHAT: "In Google Chat, open the space → Apps & integrations → Webhooks → Add webhook, and paste its URL.",
    HUBSPOT: "In HubSpot, create a private app (Settings → Integrations → Private apps) with the scopes "
             "crm.objects.contacts.read and crm.objects.contacts.write, and paste its access token.",
    MAILCHIMP: "In Mailchimp, create an API key (Profile → Extras → API keys) and find the audience id "
               "(Audience → Settings → Audience name and defaults).",
    SHEETS: "In Google Cloud, enable the Google Sheets API, create a service account and a JSON key for it, then "
            "share the spreadsheet with the service account's e-mail as an editor.",
    AIRTABLE: "In Airtable, create a personal access token (airtable.com/create/tokens) with the scope "
              "data.records:write on the base, and give the table columns named like the form's fields (or map them).",
}
MAP_TARGETS = {HUBSPOT: "HubSpot properties: email, firstname, lastname, phone, company, website (or any other "
                        "contact property's internal name).",
               MAILCHIMP: "Mailchimp merge tags: FNAME, LNAME, PHONE (or your own tags).",
               SHEETS: "Column names. Without a map every field gets a column of its own name.",
               AIRTABLE: "Airtable column names. Without a map every field goes to the column of its name."}
INTEGRATION_FIELDS = ("webhook_url", "token", "api_key", "list_id", "double_opt_in", "tags", "service_account",
                      "spreadsheet_id", "sheet", "base_id", "table", "log_note", "field_map")


def _integration_fields(kind: str, editing: bool) -> dict[str, forms.Field]:
    keep = "Leave empty to keep the one saved." if editing else ""
    fields: dict[str, forms.Field] = {}
    if kind in CHAT_TYPES:
        fields["webhook_url"] = forms.CharField(
            label="Webhook URL", required=False, max_length=2000, widget=forms.URLInput(attrs={"autocomplete": "off"}),
            help_text=f"Stored encrypted and never shown again. {keep}".strip())
    if kind in (HUBSPOT, AIRTABLE):
        fields["token"] = forms.CharField(label="Access token", required=False, max_length=500,
                                          widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
                                          help_text=f"Stored encrypted and never shown again. {keep}".strip())
    if kind == HUBSPOT:
        fields["log_note"] = forms.BooleanField(label="Also log each submission as a note on the contact",
                                                required=False)
    if kind == MAILCHIMP:
        fields["api_key"] = forms.CharField(label="API key", required=False, max_length=100,
                                            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
                                            help_text=f"Like 0123…cdef-us6. Stored encrypted. {keep}".strip())
        fields["list_id"] = forms.CharField(label="Audience id", max_length=40)
        fields["double_opt_in"] = forms.BooleanField(
            label="Double opt-in: Mailchimp e-mails new people to confirm before they are subscribed", required=False)
        fields["tags"] = forms.CharField(label="Tags", required=False, max_length=2000,
                                         help_text="Optional, separated by commas; added to each member.")
    if kind == SHEETS:
        fields["service_account"] = forms.CharField(
            label="Service account JSON key", required=False, max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
            help_text=f"Paste the whole key file. Stored encrypted and never shown again. {keep}".strip())
        fields["spreadsheet_id"] = forms.CharField(label="Spreadsheet URL or id", max_length=500)
        fields["sheet"] = forms.CharField(label="Sheet (tab) name", required=False, max_length=100, initial="Sheet1")
    if kind == AIRTABLE:
        fields["base_id"] = forms.CharField(label="Base id", max_length=17, help_text="Starts with app (from the base's URL).")
        fields["table"] = forms.CharField(label="Table name or id", max_length=200)
    fields["field_map"] = forms.CharField(
        label="Field mapping", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=("One per line: target = form field." + (" " + MAP_TARGETS[kind] if kind in MAP_TARGETS else
                   " For chat: the fields to show, in order (name = field); empty shows every field.")
                   + " Defaults: email → email, name → first and last name."))
    return fields


def field_map_text(field_map: dict) -> str:
    return "\n".join(f"{target} = {source}" for target, source in (field_map or {}).items())


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

    def clean_field_map(self):
        field_map = {}
        for number, line in enumerate(self.cleaned_data["field_map"].splitlines(), start=1):
            if not line.strip():
                continue
            separator = "=" if "=" in line else ":" if ":" in line else None
            if separator is None:
                raise forms.ValidationError(f"Line {number} needs an equals sign: target = form field.")
            target, source = (part.strip() for part in line.split(separator, 1))
            if not target or not source:
                raise forms.ValidationError(f"Line {number}: name both the target and the form field.")
            field_map[target] = source
        return field_map

    def clean(self):
        data = super().clean()
        if self.kind:  # the integration's own fields travel together to the service
            data["integration"] = {name: data.pop(name) for name in INTEGRATION_FIELDS if name in data}
        return data

    def __init__(self, *args, sites=(), forms_by_site: dict | None = None, destination=None, kind: str | None = None,
                 fields_seen: list[str] | None = None, **kwargs):
        """`sites`: the tenant's sites; `forms_by_site`: form ids seen per site id (the day
        counters). A destination's current choices stay offered even if no longer seen.
        `kind`: an integration type (Slack, HubSpot, ...): its own fields replace the
        webhook's and e-mail's; `fields_seen`: field names seen on the tenant's recent
        submissions, offered for the mapping."""
        super().__init__(*args, **kwargs)
        self.kind = kind if kind in INTEGRATION_TYPES else None
        if settings.DELIVERY_ALLOWED_HOSTS:
            # Development and tests allow http:// to some hosts: say so where the rule is stated.
            self.fields["url"].help_text = (
                "Webhooks only. Must start with https://; here http:// also works for "
                f"{', '.join(sorted(set(settings.DELIVERY_ALLOWED_HOSTS)))} (development settings), "
                "such as the built-in inspector.")
        if self.kind:
            for name in ("url", "headers", "recipients", "subject_template"):
                del self.fields[name]
            self.fields["type"] = forms.ChoiceField(choices=[(self.kind, TYPE_LABELS[self.kind])], initial=self.kind,
                                                    widget=forms.HiddenInput)
            own = _integration_fields(self.kind, editing=destination is not None)
            self.fields.update(own)
            # The service's own settings first, the mapping after the routing that decides which forms it maps.
            self.order_fields(["name", "type", *[n for n in own if n != "field_map"], "site_ids", "form_ids",
                               "field_map", "rate_limit"])
            self.fields["rate_limit"].help_text = "Optional, lower than the service's own limit (which always applies)."
            if fields_seen:
                self.fields["field_map"].help_text += " Fields seen on your forms: " + ", ".join(fields_seen[:40]) + "."
            self.setup_help = SETUP[self.kind]
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
        settings_ = destination.integration or {}
        integration = {"field_map": field_map_text(settings_.get("fieldMap") or {}),
                       "log_note": settings_.get("logNote", False), "list_id": settings_.get("listId", ""),
                       "double_opt_in": settings_.get("doubleOptIn", False), "tags": ", ".join(settings_.get("tags") or []),
                       "spreadsheet_id": settings_.get("spreadsheetId", ""), "sheet": settings_.get("sheet", ""),
                       "base_id": settings_.get("baseId", ""), "table": settings_.get("table", "")}
        return {**integration,
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
