"""Query parameters and bodies of the read/action API, read into the selectors' shapes. Every
refusal is an InvalidParameter naming the parameter (answered as a 400 problem)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.leads import STATES
from portal.selectors.submissions import (ARCHIVED_ALL, ARCHIVED_HIDDEN, ARCHIVED_ONLY, SPAM_ALL, SPAM_EXCLUDED,
                                          SPAM_ONLY, SubmissionFilters)
from portal.text import email_normalise
from portal.services.ingest.store import FORM_ID
from portal.views.ingest.problems import InvalidParameter

DEFAULT_LIMIT = 25
EARLIEST = date(1970, 1, 1)
# The characters a team member's address may use in a filter: few enough that the longest
# documented query still fits gunicorn's 4,094-byte request line once escaped.
ASSIGNEE = re.compile(r"[A-Za-z0-9._+'-]{1,64}@[A-Za-z0-9.-]{1,189}")
ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
# Cursors are Django-signed tokens (base64url, ":" and "."). 1,024 characters hold the
# positions of a few dozen write shards, and keep the longest request line the document allows
# (every parameter at its longest, ":" sent as %3A) under gunicorn's 4,094 bytes.
CURSOR_MAX = 1024
CURSOR = re.compile(r"^[A-Za-z0-9_:.\-]{1,%d}$" % CURSOR_MAX)
DELIVERY_STATUSES = tuple(status.value for status in DeliveryStatus)
SPAM_VALUES = {"false": SPAM_EXCLUDED, "true": SPAM_ONLY, "all": SPAM_ALL}
ARCHIVED_VALUES = {"false": ARCHIVED_HIDDEN, "true": ARCHIVED_ONLY, "all": ARCHIVED_ALL}
NOTE_MAX = 5000


@dataclass(frozen=True)
class ListRequest:
    filters: SubmissionFilters
    cursor: str | None
    limit: int


def _one(query, name: str) -> str | None:
    """The parameter's one value, or None when it is not given. An empty value is refused: a
    filter left empty by mistake must not quietly widen the list to everything."""
    values = query.getlist(name)
    if len(values) > 1:
        raise InvalidParameter(f"{name}: give it at most once.")
    if values and values[0] == "":
        raise InvalidParameter(f"{name}: give a value, or leave the parameter out.")
    return values[0] if values else None


def _date(query, name: str) -> date | None:
    value = _one(query, name)
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidParameter(f"{name}: a date as YYYY-MM-DD.")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(f"{name}: {value} is not a calendar date.") from None
    if day < EARLIEST:  # submission ids (ULIDs) start at the Unix epoch
        raise InvalidParameter(f"{name}: {EARLIEST.isoformat()} or later.")
    return day


def submission_list_request(query) -> ListRequest:
    """GET /api/v1/submissions: site, form, date_from, date_to, spam, delivery_status, state,
    assignee, starred, archived, cursor, limit."""
    site = _one(query, "site")
    if site is not None and not ID.match(site):
        raise InvalidParameter("site: a site id (letters, digits, - and _; at most 64).")
    form = _one(query, "form")
    if form is not None and not FORM_ID.match(form):
        raise InvalidParameter("form: a form id of 1-100 letters, digits or _ . : - characters.")
    date_from, date_to = _date(query, "date_from"), _date(query, "date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("date_from: must not be after date_to.")
    spam = _one(query, "spam") or "false"
    if spam not in SPAM_VALUES:
        raise InvalidParameter("spam: one of false (default), true, all.")
    status = _one(query, "delivery_status")
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidParameter(f"delivery_status: one of {', '.join(DELIVERY_STATUSES)}.")
    state = _one(query, "state") or None
    if state is not None and state not in STATES:
        raise InvalidParameter(f"state: one of {', '.join(STATES)}.")
    assignee = _one(query, "assignee") or None
    if assignee is not None:
        assignee = email_normalise(assignee) if ASSIGNEE.fullmatch(assignee) else None
        if not assignee:
            raise InvalidParameter("assignee: a team member's e-mail address (letters, digits and . _ + ' - before "
                                   "the @; at most 254 characters).")
    starred = _one(query, "starred") or "false"
    if starred not in ("true", "false"):
        raise InvalidParameter("starred: true or false (default).")
    archived = _one(query, "archived") or "false"
    if archived not in ARCHIVED_VALUES:
        raise InvalidParameter("archived: false (default), true or all.")
    limit_text = _one(query, "limit")
    limit = DEFAULT_LIMIT
    if limit_text is not None:
        if not re.fullmatch(r"[0-9]{1,4}", limit_text) or not 1 <= int(limit_text) <= settings.API_PAGE_LIMIT_MAX:
            raise InvalidParameter(f"limit: a whole number from 1 to {settings.API_PAGE_LIMIT_MAX}.")
        limit = int(limit_text)
    cursor = _one(query, "cursor")
    if cursor is not None and not CURSOR.match(cursor):
        raise InvalidParameter("cursor: pass next_cursor from the previous page as it is.")
    return ListRequest(filters=SubmissionFilters(form_id=form, date_from=date_from, date_to=date_to,
                                                 spam=SPAM_VALUES[spam], site_id=site, status=status,
                                                 lead_state=state, assignee=assignee, starred=starred == "true",
                                                 archived=ARCHIVED_VALUES[archived]),
                       cursor=cursor, limit=limit)


def _json_object(body: bytes, *, what: str) -> dict:
    if not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidParameter(f"{what}: the body must be a JSON object (or empty).") from None
    if not isinstance(data, dict):
        raise InvalidParameter(f"{what}: the body must be a JSON object (or empty).")
    return data


def resend_destination_ids(body: bytes) -> list[str] | None:
    """POST .../resend: optional {"destination_ids": [...]} (1-100 ids); None (the key left
    out) means every destination the submission's form goes to. An explicit null is refused:
    it would widen a re-send meant for some destinations to all of them."""
    data = _json_object(body, what="resend")
    if "destination_ids" not in data:
        return None
    ids = data["destination_ids"]
    if (not isinstance(ids, list) or not 1 <= len(ids) <= 100
            or not all(isinstance(i, str) and ID.match(i) for i in ids)):
        raise InvalidParameter("destination_ids: a list of 1-100 destination ids.")
    return ids


def spam_flag(body: bytes) -> bool:
    """POST .../spam: {"spam": true|false}."""
    data = _json_object(body, what="spam")
    if not isinstance(data.get("spam"), bool):
        raise InvalidParameter('spam: send {"spam": true} or {"spam": false}.')
    return data["spam"]


LEAD_FIELDS = ("state", "assignee", "starred", "archived", "version")


def lead_changes(body: bytes) -> tuple[dict, int | None]:
    """PATCH /api/v1/submissions/{id}: any of {"state", "assignee" (an e-mail or null),
    "starred", "archived"} and optionally "version" (the lead version you saw: a change made
    since is a 409). Returns (changes for lead_update, version)."""
    data = _json_object(body, what="lead")
    unknown = sorted(set(data) - set(LEAD_FIELDS))
    if unknown:
        raise InvalidParameter(f"{unknown[0]}: not a lead field (state, assignee, starred, archived, version).")
    changes = {}
    if "state" in data:
        if data["state"] not in STATES:
            raise InvalidParameter(f"state: one of {', '.join(STATES)}.")
        changes["state"] = data["state"]
    if "assignee" in data:
        value = data["assignee"]
        if value is not None and not (isinstance(value, str) and len(value) <= 254 and email_normalise(value)):
            raise InvalidParameter("assignee: a team member's e-mail address, or null.")
        changes["assignee"] = email_normalise(value) if value else None
    for flag in ("starred", "archived"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise InvalidParameter(f"{flag}: true or false.")
            changes[flag] = data[flag]
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 2**31):
        raise InvalidParameter("version: the lead version from the submission (a whole number).")
    if not changes:
        raise InvalidParameter("state: send at least one of state, assignee, starred, archived.")
    return changes, version


def note_body(body: bytes) -> str:
    """POST /api/v1/submissions/{id}/notes: {"body": "..."} (1-5000 characters)."""
    data = _json_object(body, what="note")
    text = data.get("body")
    if not isinstance(text, str) or not text.strip() or len(text) > NOTE_MAX:
        raise InvalidParameter(f"body: the note's text, 1-{NOTE_MAX} characters.")
    return text
