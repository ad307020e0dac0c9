"""Local fakes of the eight vendors, one HTTP server on a free loopback port, each vendor under
its own path prefix (/slack, /teams, /discord, /gchat, /hubspot, /mailchimp, /oauth, /sheets,
/airtable). Every request is checked against the vendor's documented API (method, path, auth
header, body schema and size limits, as cited in docs/integrations.md); a request that breaks
a rule is answered 400 and its problems kept in `problems`, so a test asserts there are none.
They answer like the vendor: success bodies, error bodies ("Invalid email address"), and 429s
with the vendor's own retry hint, chosen per vendor through `mode`."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Request:
    vendor: str
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


# --- what each vendor documents, as checks that return the problems found --------------------

def slack_problems(body: dict) -> list[str]:
    problems = []
    if not isinstance(body.get("text"), str) and not body.get("blocks"):
        problems.append("no_text")
    blocks = body.get("blocks") or []
    if len(blocks) > 50:
        problems.append("more than 50 blocks")
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            text = block["text"]
            if text.get("type") != "plain_text" or not 1 <= len(text.get("text", "")) <= 150:
                problems.append("header text must be plain_text of 1-150 characters")
        elif kind == "section":
            if not 1 <= len(block["text"].get("text", "")) <= 3000:
                problems.append("section text must be 1-3000 characters")
        elif kind == "context":
            if not 1 <= len(block.get("elements", [])) <= 10:
                problems.append("context needs 1-10 elements")
            if any(len(e.get("text", "")) > 3000 for e in block.get("elements", [])):
                problems.append("context text over 3000 characters")
        else:
            problems.append(f"unexpected block {kind}")
    if len(json.dumps(body)) > 40_000:
        problems.append("message over 40,000 characters")
    return problems


def discord_problems(body: dict) -> list[str]:
    problems = []
    if not body.get("content") and not body.get("embeds"):
        problems.append("Cannot send an empty message")
    if len(body.get("content") or "") > 2000:
        problems.append("content over 2000")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for embed in embeds:
        if len(embed.get("title", "")) > 256:
            problems.append("title over 256")
        if len(embed.get("description", "")) > 4096:
            problems.append("description over 4096")
        fields = embed.get("fields", [])
        if len(fields) > 25:
            problems.append("more than 25 fields")
        for f in fields:
            if not 1 <= len(f.get("name", "")) <= 256:
                problems.append("field name must be 1-256")
            if not 1 <= len(f.get("value", "")) <= 1024:
                problems.append("field value must be 1-1024")
        if len((embed.get("footer") or {}).get("text", "")) > 2048:
            problems.append("footer over 2048")
        total += (len(embed.get("title", "")) + len(embed.get("description", ""))
                  + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
                  + len((embed.get("footer") or {}).get("text", "")))
    if total > 6000:
        problems.append("embeds over 6000 characters in total")
    return problems


def google_chat_problems(raw: bytes, body: dict) -> list[str]:
    problems = []
    if len(raw) > 32_000:
        problems.append("message over 32,000 bytes")
    for card in body.get("cardsV2") or []:
        if not card.get("cardId") or "card" not in card:
            problems.append("cardsV2 entries need cardId and card")
            continue
        widgets = sum(len(s.get("widgets", [])) for s in card["card"].get("sections", []))
        if widgets > 100:
            problems.append("more than 100 widgets")
    if not body.get("text") and not body.get("cardsV2"):
        problems.append("empty message")
    return problems


def teams_problems(raw: bytes, body: dict) -> list[str]:
    problems = []
    if len(raw) > 28 * 1024:
        problems.append("message over 28 KB")
    if body.get("type") != "message":
        problems.append("type must be message")
    attachments = body.get("attachments") or []
    if not attachments:
        problems.append("no attachments")
    for attachment in attachments:
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            problems.append("attachment is not an Adaptive Card")
        content = attachment.get("content") or {}
        if content.get("type") != "AdaptiveCard" or not content.get("version") or not content.get("body"):
            problems.append("content is not an AdaptiveCard with version and body")
    return problems


@dataclass
class Fakes:
    hubspot_token: str = "pat-na1-11111111-2222-3333-4444-555555555555"
    airtable_token: str = "patAbCdEfGh12345.0123456789abcdef"
    mailchimp_key: str = "0123456789abcdef0123456789abcdef-us6"
    mode: dict = field(default_factory=dict)  # vendor -> "ok" | "throttle" | "error"
    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hubspot_contacts: dict = field(default_factory=dict)  # email -> properties
    hubspot_notes: list = field(default_factory=list)
    mailchimp_members: dict = field(default_factory=dict)  # (list, hash) -> member
    mailchimp_merge_fields: tuple = ("FNAME", "LNAME", "PHONE", "ADDRESS", "COMPANY")
    sheets: dict = field(default_factory=dict)  # (spreadsheet, sheet) -> rows
    airtable_records: list = field(default_factory=list)
    airtable_columns: tuple = ("name", "email", "message", "Name", "Email", "Notes", "phone", "company")

    def __post_init__(self):
        self.service_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fakes = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                vendor, _, rest = parts.path.lstrip("/").partition("/")
                request = Request(vendor=vendor, method=self.command, path="/" + rest, query=parse_qs(parts.query),
                                  headers={k.lower(): v for k, v in self.headers.items()}, body=body)
                fakes.requests.append(request)
                status, headers, answer = fakes.answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- plumbing ---
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def bases(self) -> dict[str, str]:
        """What INTEGRATION_BASE_URLS gets in the tests."""
        return {name: f"{self.base}/{prefix}" for name, prefix in (
            ("slack", "slack"), ("teams", "teams"), ("discord", "discord"), ("google_chat", "gchat"),
            ("hubspot", "hubspot"), ("mailchimp", "mailchimp"), ("google_oauth", "oauth"), ("sheets", "sheets"),
            ("airtable", "airtable"))}

    def service_account(self, email: str = "forms@agency-project.iam.gserviceaccount.com") -> str:
        pem = self.service_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        return json.dumps({"type": "service_account", "project_id": "agency-project", "private_key_id": "k1",
                           "private_key": pem, "client_email": email, "client_id": "1",
                           "token_uri": "https://oauth2.googleapis.com/token"})

    def of(self, vendor: str) -> list[Request]:
        return [r for r in self.requests if r.vendor == vendor]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _json(status: int, data, *, content_type="application/json", headers=None):
        return status, {"Content-Type": content_type, **(headers or {})}, json.dumps(data).encode()

    def _refuse(self, vendor: str, problems: list[str]):
        self.problems.extend(f"{vendor}: {p}" for p in problems)
        return 400, {"Content-Type": "text/plain"}, ("fake: " + "; ".join(problems)).encode()

    # --- the vendors ---
    def answer(self, r: Request):
        handler = getattr(self, f"_{r.vendor}", None)
        if handler is None:
            return self._refuse(r.vendor, [f"unknown vendor path {r.path}"])
        try:
            return handler(r)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return self._refuse(r.vendor, [f"malformed request: {type(error).__name__}: {error}"])

    def _echo(self, r: Request):
        """A plain webhook receiver (the benchmark's baseline): 200 at once."""
        return 200, {"Content-Type": "application/json"}, b'{"received":true}'

    def _common_json(self, r: Request, vendor: str) -> list[str]:
        problems = []
        if r.method != "POST":
            problems.append(f"{r.method} instead of POST")
        if not r.headers.get("content-type", "").startswith("application/json"):
            problems.append("Content-Type is not application/json")
        return problems

    def _slack(self, r: Request):
        problems = self._common_json(r, "slack")
        if not re.fullmatch(r"/services/T\w+/B\w+/\w+", r.path):
            problems.append("not an incoming webhook path")
        problems += slack_problems(r.json)
        if problems:
            return self._refuse("slack", problems)
        mode = self.mode.get("slack", "ok")
        if mode == "throttle":
            return 429, {"Content-Type": "text/plain", "Retry-After": "30"}, b"rate_limited"
        if mode == "error":
            return 404, {"Content-Type": "text/plain"}, b"channel_not_found"
        return 200, {"Content-Type": "text/html"}, b"ok"

    def _discord(self, r: Request):
        problems = self._common_json(r, "discord")
        if not re.fullmatch(r"/api/webhooks/\d+/[\w-]+", r.path):
            problems.append("not a webhook path")
        problems += discord_problems(r.json)
        if r.json.get("allowed_mentions") != {"parse": []}:
            problems.append("mentions allowed (a submission could ping @everyone)")
        if problems:
            return self._refuse("discord", problems)
        mode = self.mode.get("discord", "ok")
        if mode == "throttle":  # Discord: JSON body with retry_after in seconds (float), and the header
            return self._json(429, {"message": "You are being rate limited.", "retry_after": 64.57, "global": False},
                              headers={"Retry-After": "65", "X-RateLimit-Scope": "shared"})
        if mode == "throttle-body-only":
            return self._json(429, {"message": "You are being rate limited.", "retry_after": 12.3, "global": False})
        if mode == "error":
            return self._json(400, {"code": 50035, "message": "Invalid Form Body", "errors": {}})
        return self._json(200, {"id": "1100", "type": 0, "channel_id": "42", "embeds": r.json["embeds"]})

    def _gchat(self, r: Request):
        problems = self._common_json(r, "gchat")
        if not re.fullmatch(r"/v1/spaces/[\w-]+/messages", r.path) or not r.query.get("key") or not r.query.get("token"):
            problems.append("not a space webhook URL with key and token")
        problems += google_chat_problems(r.body, r.json)
        if problems:
            return self._refuse("gchat", problems)
        mode = self.mode.get("gchat", "ok")
        if mode == "throttle":
            return self._json(429, {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                                              "status": "RESOURCE_EXHAUSTED"}})
        if mode == "error":
            return self._json(400, {"error": {"code": 400, "message": "Invalid JSON payload received.",
                                              "status": "INVALID_ARGUMENT"}})
        return self._json(200, {"name": "spaces/AAA/messages/BBB", "text": r.json.get("text", "")})

    def _teams(self, r: Request):
        problems = self._common_json(r, "teams")
        if not r.path.startswith("/workflows/") or "sig" not in r.query:
            problems.append("not a workflow trigger URL")
        problems += teams_problems(r.body, r.json)
        if problems:
            return self._refuse("teams", problems)
        mode = self.mode.get("teams", "ok")
        if mode == "throttle":
            return self._json(429, {"error": {"code": "WorkflowTriggeredRequestsThrottled",
                                              "message": "Too many requests."}}, headers={"Retry-After": "7"})
        return 202, {"Content-Type": "text/plain"}, b""

    def _hubspot(self, r: Request):
        if r.headers.get("authorization") != f"Bearer {self.hubspot_token}":
            return self._json(401, {"status": "error", "message": "Authentication credentials not found.",
                                    "category": "INVALID_AUTHENTICATION"})
        problems = self._common_json(r, "hubspot")
        if problems:
            return self._refuse("hubspot", problems)
        if self.mode.get("hubspot") == "throttle":
            return self._json(429, {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                                    "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
                              headers={"Retry-After": "10"})
        body = r.json
        if r.path == "/crm/v3/objects/contacts/batch/upsert":
            inputs = body.get("inputs")
            if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
                return self._refuse("hubspot", ["inputs must be a list of 1-100"])
            results = []
            for item in inputs:
                if item.get("idProperty") != "email" or not isinstance(item.get("properties"), dict):
                    return self._refuse("hubspot", ["each input needs idProperty email and properties"])
                properties = item["properties"]
                if any(not isinstance(v, str) or len(v) > 65_536 for v in properties.values()):
                    return self._refuse("hubspot", ["property values are strings of up to 65,536 characters"])
                unknown = set(properties) - {"email", "firstname", "lastname", "phone", "company", "website", "message"}
                if unknown:
                    name = sorted(unknown)[0]
                    return self._json(400, {"status": "error", "category": "VALIDATION_ERROR", "message":
                                            f'Property values were not valid: [{{"isValid":false,"message":"Property \\"{name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"{name}"}}]'})
                if not EMAIL.match(item["id"]):
                    return self._json(400, {"status": "error", "category": "VALIDATION_ERROR", "message":
                                            f'Property values were not valid: [{{"isValid":false,"message":"Email address {item["id"]} is invalid","error":"INVALID_EMAIL","name":"email"}}]'})
                new = item["id"] not in self.hubspot_contacts
                self.hubspot_contacts.setdefault(item["id"], {}).update(properties)
                contact_id = str(100 + list(self.hubspot_contacts).index(item["id"]))
                results.append({"id": contact_id, "new": new, "properties": properties})
            return self._json(200, {"status": "COMPLETE", "results": results})
        if r.path == "/crm/v3/objects/notes":
            properties = body.get("properties") or {}
            if not properties.get("hs_timestamp") or not properties.get("hs_note_body"):
                return self._refuse("hubspot", ["a note needs hs_timestamp and hs_note_body"])
            types = [t for a in body.get("associations", []) for t in a.get("types", [])]
            if types != [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]:
                return self._refuse("hubspot", ["a note to a contact uses HUBSPOT_DEFINED association type 202"])
            self.hubspot_notes.append(body)
            return self._json(201, {"id": str(9000 + len(self.hubspot_notes)), "properties": properties})
        return self._refuse("hubspot", [f"unknown endpoint {r.path}"])

    def _mailchimp(self, r: Request):
        auth = r.headers.get("authorization", "")
        if not auth.startswith("Basic ") or base64.b64decode(auth[6:]).decode().split(":", 1)[1] != self.mailchimp_key:
            return self._json(401, {"title": "API Key Invalid", "status": 401, "detail": "Your API key may be invalid."},
                              content_type="application/problem+json")
        if not r.headers.get("content-type", "").startswith("application/json"):
            return self._refuse("mailchimp", ["Content-Type is not application/json"])
        match = re.fullmatch(r"/3\.0/lists/(\w+)/members/([0-9a-f]{32})(/tags)?", r.path)
        if not match:
            return self._refuse("mailchimp", [f"unknown endpoint {r.path}"])
        list_id, member_hash, tags = match.groups()
        if self.mode.get("mailchimp") == "throttle":
            return self._json(429, {"title": "Too Many Requests", "status": 429,
                                    "detail": "You have exceeded the limit of 10 simultaneous connections."},
                              content_type="application/problem+json")
        body = r.json
        if tags:
            if r.method != "POST" or not all(t.get("status") in ("active", "inactive") and 1 <= len(t.get("name", "")) <= 100
                                             for t in body.get("tags", [])):
                return self._refuse("mailchimp", ["tags are POSTed as {name (1-100), status active|inactive}"])
            member = self.mailchimp_members.get((list_id, member_hash))
            if member is None:
                return self._json(404, {"title": "Resource Not Found", "status": 404, "detail": "The requested resource could not be found."},
                                  content_type="application/problem+json")
            member["tags"] = sorted({*member.get("tags", []), *(t["name"] for t in body["tags"])})
            return 204, {}, b""
        if r.method != "PUT":
            return self._refuse("mailchimp", ["add-or-update is a PUT"])
        email = body.get("email_address", "")
        if hashlib.md5(email.lower().encode()).hexdigest() != member_hash:
            return self._refuse("mailchimp", ["the member hash is not the MD5 of the lower-cased address"])
        if body.get("status_if_new") not in ("subscribed", "pending", "unsubscribed", "cleaned", "transactional"):
            return self._refuse("mailchimp", ["status_if_new is required"])
        merge = body.get("merge_fields") or {}
        unknown = [tag for tag in merge if tag not in self.mailchimp_merge_fields]
        if unknown or any(len(str(v)) > 255 for v in merge.values()):
            return self._json(400, {"title": "Invalid Resource", "status": 400,
                                    "detail": "Your merge fields were invalid.",
                                    "errors": [{"field": unknown[0] if unknown else "merge_fields",
                                                "message": "Merge field does not exist" if unknown else "Too long"}]},
                              content_type="application/problem+json")
        if not EMAIL.match(email):
            return self._json(400, {"title": "Invalid Resource", "status": 400,
                                    "detail": f"{email} looks fake or invalid, please enter a real email address."},
                              content_type="application/problem+json")
        member = self.mailchimp_members.get((list_id, member_hash))
        if member is None:
            member = {"email_address": email, "status": body["status_if_new"], "merge_fields": {}}
            self.mailchimp_members[(list_id, member_hash)] = member
        if "status" in body:
            member["status"] = body["status"]
        member["merge_fields"].update(merge)
        return self._json(200, {"id": member_hash, **member})

    def _oauth(self, r: Request):
        form = {k: v[0] for k, v in parse_qs(r.body.decode()).items()}
        if r.path != "/token" or r.method != "POST" or form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._refuse("oauth", ["the token request is a POST of grant_type jwt-bearer"])
        try:
            head, claims, signature = form["assertion"].split(".")
            pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
            self.service_key.public_key().verify(base64.urlsafe_b64decode(pad(signature)), f"{head}.{claims}".encode(),
                                                 padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(base64.urlsafe_b64decode(pad(claims)))
        except (KeyError, ValueError, InvalidSignature):
            return self._json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        if claims.get("scope") != "https://www.googleapis.com/auth/spreadsheets" or not claims.get("aud", "").endswith("/token") \
                or not 0 < claims["exp"] - claims["iat"] <= 3600 or "iss" not in claims:
            return self._refuse("oauth", ["JWT claims: iss, scope spreadsheets, aud the token URL, at most an hour"])
        return self._json(200, {"access_token": "ya29.fake-token", "expires_in": 3599, "token_type": "Bearer"})

    def _sheets(self, r: Request):
        if r.headers.get("authorization") != "Bearer ya29.fake-token":
            return self._json(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                              "status": "UNAUTHENTICATED"}})
        match = re.fullmatch(r"/v4/spreadsheets/([\w-]+)/values/([^:]+)(:append)?", r.path)
        if not match:
            return self._refuse("sheets", [f"unknown endpoint {r.path}"])
        spreadsheet, a1, append = match.group(1), unquote(match.group(2)), match.group(3)
        sheet_match = re.fullmatch(r"'((?:[^']|'')+)'!(.+)", a1)
        if not sheet_match:
            return self._refuse("sheets", [f"range {a1} is not 'Sheet'!A1 notation"])
        sheet = sheet_match.group(1).replace("''", "'")
        if self.mode.get("sheets") == "error":
            return self._json(403, {"error": {"code": 403, "message": "The caller does not have permission",
                                              "status": "PERMISSION_DENIED"}})
        if self.mode.get("sheets") == "throttle":
            return self._json(429, {"error": {"code": 429, "message": "Quota exceeded for quota metric 'Write requests' "
                                              "and limit 'Write requests per minute per user'", "status": "RESOURCE_EXHAUSTED"}})
        rows = self.sheets.setdefault((spreadsheet, sheet), [])
        if r.method == "GET":
            answer = {"range": a1, "majorDimension": "ROWS"}
            if rows and sheet_match.group(2) == "1:1":
                answer["values"] = [rows[0]]
            return self._json(200, answer)
        if r.query.get("valueInputOption") != ["RAW"] and r.query.get("valueInputOption") != ["USER_ENTERED"]:
            return self._refuse("sheets", ["valueInputOption is required"])
        values = r.json.get("values")
        if not isinstance(values, list) or any(len(str(c)) > 50_000 for row in values for c in row):
            return self._refuse("sheets", ["values must be rows of cells of at most 50,000 characters"])
        if append:
            if r.method != "POST" or r.query.get("insertDataOption") not in (["INSERT_ROWS"], ["OVERWRITE"], None):
                return self._refuse("sheets", ["append is a POST"])
            rows.extend(values)
            return self._json(200, {"spreadsheetId": spreadsheet, "updates": {"updatedRows": len(values)}})
        if r.method != "PUT" or sheet_match.group(2) != "A1":
            return self._refuse("sheets", ["an update is a PUT to a range"])
        if rows:
            rows[0] = values[0]
        else:
            rows.append(values[0])
        return self._json(200, {"spreadsheetId": spreadsheet, "updatedRows": 1})

    def _airtable(self, r: Request):
        if r.headers.get("authorization") != f"Bearer {self.airtable_token}":
            return self._json(401, {"error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}})
        problems = self._common_json(r, "airtable")
        match = re.fullmatch(r"/v0/(app\w{14})/([^/]+)", r.path)
        if not match:
            problems.append(f"unknown endpoint {r.path}")
        if problems:
            return self._refuse("airtable", problems)
        if self.mode.get("airtable") == "throttle":  # no Retry-After: the docs say wait 30 seconds
            return self._json(429, {"errors": [{"error": "RATE_LIMIT_REACHED",
                                                "message": "Rate limit exceeded. Please try again later"}]})
        records = r.json.get("records")
        if not isinstance(records, list) or not 1 <= len(records) <= 10:
            return self._refuse("airtable", ["records must be a list of 1-10"])
        created = []
        for record in records:
            fields = record.get("fields")
            if not isinstance(fields, dict):
                return self._refuse("airtable", ["each record needs fields"])
            for name, value in fields.items():
                if name not in self.airtable_columns:
                    return self._json(422, {"error": {"type": "UNKNOWN_FIELD_NAME", "message": f'Unknown field name: "{name}"'}})
                if isinstance(value, str) and len(value) > 100_000:
                    return self._refuse("airtable", ["a long text cell holds at most 100,000 characters"])
            self.airtable_records.append(fields)
            created.append({"id": f"rec{len(self.airtable_records):014d}", "createdTime": "2026-01-01T00:00:00.000Z",
                            "fields": fields})
        return self._json(200, {"records": created})
