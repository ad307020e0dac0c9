"""The integrations' settings: check what the tenant entered for a Slack, Teams, Discord,
Google Chat, HubSpot, Mailchimp, Google Sheets or Airtable destination, before anything is
stored. Credentials (chat webhook URLs, tokens, keys) come back as one JSON string for the
caller to encrypt; on an edit, credentials left empty keep the stored ones. A chat webhook URL
must be on its vendor's own host; every other vendor host is fixed in the code."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

from portal.delivery.channels import MODULES, vendor_rate
from portal.delivery.channels.base import test_chat_base
from portal.dynamo.destinations import (
    AIRTABLE, CHAT_TYPES, DISCORD, GOOGLE_CHAT, HUBSPOT, MAILCHIMP, SHEETS, SLACK, TEAMS,
)

MAILCHIMP_KEY = re.compile(r"^[0-9a-f]{32}-([a-z]{2,4}[0-9]{1,3})$")
MAILCHIMP_LIST = re.compile(r"^[0-9a-zA-Z]{1,40}$")
AIRTABLE_BASE = re.compile(r"^app[0-9A-Za-z]{14}$")
SPREADSHEET_ID = re.compile(r"^[0-9A-Za-z_-]{20,200}$")
MERGE_TAG = re.compile(r"^[A-Z0-9_]{1,10}$")
TOKEN = re.compile(r"^[\x21-\x7e]{10,500}$")  # visible ASCII: it travels in an HTTP header
MAX_MAP = 100
MAX_TAGS = 20
FIELD_NAME_MAX = 200


@dataclass
class Cleaned:
    credentials: str | None  # JSON to encrypt; None: keep what is stored
    integration: dict
    rate_limit: float


def _chat_url_problem(kind: str, url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    fake = test_chat_base(kind.lower())
    if fake and url.startswith(fake + "/"):
        return None  # the tests' local fake (DEBUG only)
    if parts.scheme != "https" or parts.username or parts.password:
        return "The webhook URL must start with https://."
    module = MODULES[kind]
    if kind == TEAMS:
        if not any(host.endswith(suffix) for suffix in module.HOST_SUFFIXES):
            return ("Use the URL of a Teams Workflows webhook (on logic.azure.com or powerplatform.com: "
                    "the \"Post to a channel when a webhook request is received\" template).")
        return None
    if host not in module.HOSTS or not parts.path.startswith(module.PATH_PREFIXES):
        example = {SLACK: "https://hooks.slack.com/services/…", DISCORD: "https://discord.com/api/webhooks/…",
                   GOOGLE_CHAT: "https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…"}[kind]
        return f"That is not a {module.__name__.rsplit('.', 1)[1].replace('_', ' ').title()} webhook URL; it looks like {example}"
    return None


def field_map_clean(raw: dict[str, str] | None, *, kind: str, errors: dict) -> dict[str, str]:
    field_map: dict[str, str] = {}
    for target, source in (raw or {}).items():
        target, source = str(target).strip(), str(source).strip()
        if not target or not source:
            continue
        if len(target) > FIELD_NAME_MAX or len(source) > FIELD_NAME_MAX:
            errors["field_map"] = f"Names are at most {FIELD_NAME_MAX} characters."
        elif kind == MAILCHIMP and not MERGE_TAG.match(target):
            errors["field_map"] = f"{target!r} is not a Mailchimp merge tag (capitals, digits and _, up to 10)."
        field_map[target] = source
    if len(field_map) > MAX_MAP:
        errors["field_map"] = f"At most {MAX_MAP} mapped fields."
    return field_map


def service_account_clean(text: str, errors: dict) -> dict | None:
    try:
        key = json.loads(text)
        if not isinstance(key, dict):
            raise ValueError
    except ValueError:
        errors["service_account"] = "Paste the service account's JSON key file as it was downloaded."
        return None
    if key.get("type") != "service_account" or not key.get("client_email") or not key.get("private_key"):
        errors["service_account"] = "This JSON is not a service account key (type, client_email, private_key)."
        return None
    try:
        serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        errors["service_account"] = "The key's private_key cannot be read."
        return None
    return {k: key[k] for k in ("type", "client_email", "private_key", "private_key_id", "token_uri") if k in key}


def integration_settings_clean(*, kind: str, values: dict, has_credentials: bool,
                               rate_limit: float | None) -> tuple[Cleaned | None, dict[str, str]]:
    """(the cleaned settings, {}) or (None, errors by form field)."""
    errors: dict[str, str] = {}
    secret: dict | None = None
    integration: dict = {}
    text = lambda name: str(values.get(name) or "").strip()  # noqa: E731
    if kind in CHAT_TYPES:
        url = text("webhook_url")
        if url:
            problem = _chat_url_problem(kind, url) if len(url) <= 2000 else "The URL is too long."
            if problem:
                errors["webhook_url"] = problem
            secret = {"webhook_url": url}
            # What the pages show instead of the URL (its path and query are the secret).
            integration["target"] = urlsplit(url).hostname or ""
        elif not has_credentials:
            errors["webhook_url"] = "Paste the channel's webhook URL."
    elif kind in (HUBSPOT, AIRTABLE):
        token = text("token")
        if token:
            if not TOKEN.match(token):
                errors["token"] = "That does not look like an access token (visible characters, no spaces)."
            secret = {"token": token}
        elif not has_credentials:
            errors["token"] = "Enter the access token."
        if kind == HUBSPOT:
            integration["logNote"] = bool(values.get("log_note"))
            integration["target"] = "contacts" + (" and notes" if integration["logNote"] else "")
        else:
            base, table = text("base_id"), text("table")
            if not AIRTABLE_BASE.match(base):
                errors["base_id"] = "The base id starts with app and has 17 characters (from the base's URL)."
            if not table or len(table) > 200:
                errors["table"] = "Enter the table's name or id."
            integration.update(baseId=base, table=table, target=f"{base} / {table}")
    elif kind == MAILCHIMP:
        key = text("api_key")
        if key:
            if not MAILCHIMP_KEY.match(key):
                errors["api_key"] = "A Mailchimp API key looks like 0123…cdef-us6 (the part after the dash is your data center)."
            secret = {"api_key": key}
        elif not has_credentials:
            errors["api_key"] = "Enter the Mailchimp API key."
        list_id = text("list_id")
        if not MAILCHIMP_LIST.match(list_id):
            errors["list_id"] = "Enter the audience id (Audience → Settings → Audience name and defaults)."
        tags = [t.strip() for t in text("tags").replace("\n", ",").split(",") if t.strip()]
        if len(tags) > MAX_TAGS or any(len(t) > 100 for t in tags):
            errors["tags"] = f"At most {MAX_TAGS} tags of up to 100 characters."
        integration.update(listId=list_id, doubleOptIn=bool(values.get("double_opt_in")), tags=tags,
                           target=f"audience {list_id}")
    elif kind == SHEETS:
        raw = text("service_account")
        if raw:
            key = service_account_clean(raw, errors)
            secret = {"service_account": key} if key else None
        elif not has_credentials:
            errors["service_account"] = "Paste the service account's JSON key."
        spreadsheet = text("spreadsheet_id")
        match = re.search(r"/spreadsheets/d/([0-9A-Za-z_-]+)", spreadsheet)
        spreadsheet = match.group(1) if match else spreadsheet
        if not SPREADSHEET_ID.match(spreadsheet):
            errors["spreadsheet_id"] = "Paste the spreadsheet's URL or id."
        sheet = text("sheet") or "Sheet1"
        if len(sheet) > 100 or any(c in sheet for c in "[]*?/\\:"):
            errors["sheet"] = "A sheet name has at most 100 characters and none of [ ] * ? / \\ :"
        integration.update(spreadsheetId=spreadsheet, sheet=sheet, target=f"sheet {sheet}")
    else:
        errors["type"] = "Choose a destination type."
    integration["fieldMap"] = field_map_clean(values.get("field_map"), kind=kind, errors=errors)
    if errors:
        return None, errors
    vendor = vendor_rate(kind)
    return Cleaned(credentials=json.dumps(secret) if secret else None, integration=integration,
                   rate_limit=min(float(rate_limit), vendor) if rate_limit else vendor), {}
