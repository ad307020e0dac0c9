"""Google Sheets: a service account's JSON key signs a JWT (RS256) that Google's token endpoint
trades for an hour's access token (scope spreadsheets; cached per key in the process); the
spreadsheet is shared with the service account's e-mail. Each submission appends one row
(POST /v4/spreadsheets/{id}/values/{sheet}!A1:append, valueInputOption RAW so a value starting
with "=" stays text, insertDataOption INSERT_ROWS). Row 1 is the header: written when the sheet
is empty, and when a form gains a field the new column is added at the end, so existing
columns never move. Documented limits kept (developers.google.com/sheets/api/limits): 60 write
requests per minute per user per project, so the rate limit is 0.5 deliveries/s (a delivery
writes once, twice when the header grows); a cell holds at most 50,000 characters. Errors are
Google's JSON `error.message`."""
from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import quote, urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from portal.delivery.channels.base import call, credentials, cut, json_message, mapped_values, value_text, vendor_base
from portal.delivery.sender import SendResult
from portal.dynamo.destinations import SHEETS, Destination

RATE_PER_SECOND = 0.5
CELL = 50_000
MAX_COLUMNS = 200  # fields beyond this are left out of the sheet (a sheet's grid has its own cap)
SCOPE = "https://www.googleapis.com/auth/spreadsheets"
FIXED_COLUMNS = ["Received at", "Form", "Site", "Submission"]
_tokens: dict[str, tuple[str, float]] = {}
MAX_CACHED_TOKENS = 1000  # one per service account key in use; the cache starts over past this
_tokens_lock = threading.Lock()
_error = json_message("error.message", "error_description", "error")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_assertion(key: dict, *, token_url: str, now: float) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": key.get("private_key_id", "")}
    claims = {"iss": key["client_email"], "scope": SCOPE, "aud": token_url, "iat": int(now), "exp": int(now) + 3600}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    private_key = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    signature = private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def access_token(key: dict) -> tuple[str | None, SendResult | None]:
    """A cached token, or a new one from the token endpoint (the failed answer otherwise)."""
    cache_key = f"{key['client_email']}:{key.get('private_key_id', '')}"
    with _tokens_lock:
        cached = _tokens.get(cache_key)
    if cached and cached[1] > time.time() + 60:
        return cached[0], None
    token_url = f"{vendor_base('google_oauth')}/token"
    form = urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                      "assertion": signed_assertion(key, token_url=token_url, now=time.time())}).encode()
    result = call("POST", token_url, channel=SHEETS, body=form,
                  headers={"Content-Type": "application/x-www-form-urlencoded"}, error_message=_error)
    if not result.ok:
        result.error = f"Google refused the service account key: {result.error}"
        return None, result
    answer = json.loads(result.body)
    with _tokens_lock:
        if len(_tokens) >= MAX_CACHED_TOKENS:
            _tokens.clear()
        _tokens[cache_key] = (answer["access_token"], time.time() + float(answer.get("expires_in", 3600)))
    return answer["access_token"], None


def row_values(destination: Destination, event: dict) -> dict[str, str]:
    data = event.get("data") or {}
    fields = data.get("fields") or {}
    field_map = (destination.integration or {}).get("fieldMap") or {}
    if field_map:
        values = mapped_values(fields, field_map=field_map, defaults={})
    else:
        values = {str(name): value_text(value) for name, value in fields.items()}
    page = str((data.get("meta") or {}).get("page_url") or "")
    fixed = {"Received at": str(data.get("received_at") or event.get("timestamp") or ""),
             "Form": str(data.get("form_id") or "test"), "Site": page or str(data.get("site_id") or ""),
             "Submission": str(data.get("id") or "")}
    return {**fixed, **{k: v for k, v in values.items() if k not in fixed}}


def header_with(current: list[str], values: dict[str, str]) -> list[str]:
    """The current header, then any new column at the end (existing columns never move)."""
    header = [str(c) for c in current] or list(FIXED_COLUMNS)
    for column in values:
        if column not in header and len(header) < MAX_COLUMNS:
            header.append(column)
    return header


def send(destination: Destination, *, summary, event: dict) -> SendResult:
    key = credentials(destination)["service_account"]
    token, failed = access_token(key)
    if failed is not None:
        return failed
    settings_ = destination.integration or {}
    headers = {"Authorization": f"Bearer {token}"}
    sheet = settings_.get("sheet") or "Sheet1"
    base = f"{vendor_base('sheets')}/v4/spreadsheets/{quote(settings_['spreadsheetId'], safe='')}/values"
    quoted = "'" + sheet.replace("'", "''") + "'"
    read = call("GET", f"{base}/{quote(quoted + '!1:1', safe='')}", channel=SHEETS, headers=headers,
                error_message=_error)
    if not read.ok:
        return read
    current = (json.loads(read.body).get("values") or [[]])[0]
    values = row_values(destination, event)
    header = header_with(current, values)
    if header != current:
        wrote = call("PUT", f"{base}/{quote(quoted + '!A1', safe='')}?valueInputOption=RAW", channel=SHEETS,
                     headers=headers, json_body={"range": f"{quoted}!A1", "majorDimension": "ROWS", "values": [header]},
                     error_message=_error)
        if not wrote.ok:
            return wrote
    row = [cut(values.get(column, ""), CELL) for column in header]
    return call("POST", f"{base}/{quote(quoted + '!A1', safe='')}:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS",
                channel=SHEETS, headers=headers, json_body={"majorDimension": "ROWS", "values": [row]},
                error_message=_error)
