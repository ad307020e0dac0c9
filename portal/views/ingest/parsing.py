"""Reading and validating ingest request bodies (JSON, urlencoded, multipart) into one shape.
This is the web edge of ingest (a request in, a clean submission out), not a Django form.

Refusals are the ingest service's domain errors; portal/views/ingest/problems.py answers them."""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.http import parse_header_parameters

from portal.services.ingest.browser_forms import HONEYPOT, NEXT
from portal.services.ingest.captcha import TOKEN_FIELDS
from portal.services.ingest.files import FileLimits, FileReceiver, ReceivedFile, TextPartsTooLarge, received_discard
from portal.services.ingest.store import (FORM_ID, BodyTooLarge, InvalidSubmission, LengthRequired, MalformedRequest,
                                    UnsupportedMediaType)

JSON, URLENCODED, MULTIPART = "application/json", "application/x-www-form-urlencoded", "multipart/form-data"
META_KEYS_MAX = 20
META_VALUE_MAX = 2048
SPECIAL = (HONEYPOT, NEXT) + TOKEN_FIELDS  # browser form posts only
# Django's multipart parser decodes text parts with errors="replace"; this codec refuses
# instead, so a text part that is not UTF-8 is a 400, as in the other body types.
STRICT_UTF8 = "formbridge_strict_utf8"


def _strict_utf8_search(name: str):
    if name != STRICT_UTF8:
        return None
    return codecs.CodecInfo(name=STRICT_UTF8, encode=codecs.utf_8_encode,
                            decode=lambda data, errors="strict": codecs.utf_8_decode(data, "strict", True))


codecs.register(_strict_utf8_search)


@dataclass
class ParsedBody:
    form_id: object = None
    fields: object = None
    meta: object = None
    special: dict = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)


@dataclass
class CleanSubmission:
    form_id: str
    fields: dict
    meta: dict
    special: dict
    files: list[ReceivedFile] = field(default_factory=list)


def declared_length(request, *, limit: int) -> int:
    """The body's Content-Length, refusing a body over the limit before any of it is read."""
    declared = (request.META.get("CONTENT_LENGTH") or "").strip()
    if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
        # A chunked body: Django's WSGI request would read it as empty; say so instead.
        raise LengthRequired(f"Send a Content-Length header (no chunked bodies); at most {limit // 1024} KB.")
    declared = declared or "0"  # neither header: HTTP says the body is empty
    try:
        length = int(declared)
    except ValueError:
        raise MalformedRequest("The Content-Length header is not a number.") from None
    if length < 0:
        raise MalformedRequest("The Content-Length header is negative.")
    if length > limit:
        raise BodyTooLarge(limit)
    return length


def read_body(request, *, limit: int | None = None) -> bytes:
    """The request body, refusing anything over the limit without reading it: the
    declared length is checked first, and at most limit + 1 bytes are ever read."""
    limit = limit or settings.INGEST_MAX_BODY_BYTES
    declared_length(request, limit=limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(limit)
    if not body:
        raise MalformedRequest("The request body is empty.")
    return body


def _content_type(header: str | None, *, allow_json: bool = True) -> tuple[str, dict]:
    media_type, params = parse_header_parameters(header or "")
    media_type = media_type.lower()
    allowed = (JSON, URLENCODED, MULTIPART) if allow_json else (URLENCODED, MULTIPART)
    if media_type not in allowed:
        shown = media_type or "none"
        raise UnsupportedMediaType(f"Content-Type {shown} is not supported: send {', '.join(allowed)}.")
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"Charset {charset} is not supported: send UTF-8.")
    return media_type, params


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("The request body is not valid UTF-8.") from None


def _parse_json(body: bytes) -> ParsedBody:
    text = _utf8(body)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise MalformedRequest("The request body is not valid JSON.") from None
    except ValueError:  # an integer over Python's digit limit (sys.set_int_max_str_digits)
        raise MalformedRequest("The JSON body holds a number too large to read.") from None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # "\ud800": valid JSON, but no UTF-8 string (DynamoDB stores UTF-8)
        raise MalformedRequest("The JSON body holds a lone surrogate (\\ud800-\\udfff): send valid Unicode.") from None
    if not isinstance(data, dict):
        raise InvalidSubmission("The JSON body must be an object with form_id and fields.")
    return ParsedBody(form_id=data.get("form_id"), fields=data.get("fields"), meta=data.get("meta"))


_BRACKETED = re.compile(r"^(fields|meta)\[([^\]]*)\](\[\])?$")


def _from_pairs(pairs: list[tuple[str, str]]) -> ParsedBody:
    """Form bodies: `form_id`; `fields[name]` / `fields[name][]` (PHP's http_build_query) or
    plain `name` / `name[]`; `meta[key]`; a repeated name becomes a list of strings."""
    parsed = ParsedBody(fields={}, meta={})
    for name, value in pairs:
        if name == "form_id":
            parsed.form_id = value
            continue
        if name in SPECIAL:
            parsed.special[name] = value
            continue
        target, key, as_list = parsed.fields, name, name.endswith("[]")
        match = _BRACKETED.match(name)
        if match:
            target = parsed.meta if match.group(1) == "meta" else parsed.fields
            key, as_list = match.group(2), bool(match.group(3))
        elif as_list:
            key = name[:-2]
        if key in target:
            previous = target[key]
            target[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            target[key] = [value] if as_list else value
    return parsed


def _parse_urlencoded(body: bytes) -> ParsedBody:
    text = _utf8(body)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=settings.INGEST_MAX_FIELDS * 4 + 10)
    except UnicodeDecodeError:
        raise MalformedRequest("The form body is not valid UTF-8.") from None
    except ValueError:
        raise InvalidSubmission(f"Too many fields: at most {settings.INGEST_MAX_FIELDS}.") from None
    return _from_pairs(pairs)


def _parse_multipart(request, header: str, limits: FileLimits) -> ParsedBody:
    """Stream a multipart body: text parts into memory (bounded by INGEST_MAX_BODY_BYTES), file
    parts through a FileReceiver into temporary files, each refused the moment it crosses a
    limit. On any refusal every temporary file is gone before the error leaves."""
    length = declared_length(request, limit=limits.body_limit)
    if not length:
        raise MalformedRequest("The request body is empty.")
    receiver = FileReceiver(limits)
    meta = {"CONTENT_TYPE": header, "CONTENT_LENGTH": str(length)}
    try:
        try:
            data, _files = MultiPartParser(meta, request, [receiver], STRICT_UTF8).parse()
        except UnicodeDecodeError:
            raise MalformedRequest("A text part of the multipart body is not valid UTF-8.") from None
        except (MultiPartParserError, ValueError) as error:
            raise MalformedRequest(f"The multipart body could not be read: {error}") from None
        except (TooManyFieldsSent, TooManyFilesSent):
            raise InvalidSubmission(f"Too many fields: at most {settings.INGEST_MAX_FIELDS}.") from None
        except RequestDataTooBig:
            raise TextPartsTooLarge(limit=settings.INGEST_MAX_BODY_BYTES) from None
        pairs = [(name, value) for name, values in data.lists() for value in values]
        if sum(len(name) + len(value.encode()) for name, value in pairs) > settings.INGEST_MAX_BODY_BYTES:
            raise TextPartsTooLarge(limit=settings.INGEST_MAX_BODY_BYTES)
        parsed = _from_pairs(pairs)
    except BaseException:
        receiver.discard()
        raise
    parsed.files = receiver.received
    return parsed


def _media_type(request) -> str:
    return parse_header_parameters(request.META.get("CONTENT_TYPE", "") or "")[0].lower()


def parse_body(request, body: bytes, *, allow_json: bool = True) -> ParsedBody:
    """JSON and urlencoded bodies, read whole (within INGEST_MAX_BODY_BYTES); multipart bodies
    stream through _parse_multipart instead and never come here."""
    header = request.META.get("CONTENT_TYPE", "")
    media_type, _params = _content_type(header, allow_json=allow_json)
    if media_type == JSON:
        return _parse_json(body)
    if media_type == URLENCODED:
        return _parse_urlencoded(body)
    raise UnsupportedMediaType("multipart/form-data bodies are streamed, not read whole.")


def clean_submission(parsed: ParsedBody, *, form_id: str | None = None) -> CleanSubmission:
    """InvalidSubmission for anything that is well-formed but not a valid submission."""
    max_fields, max_name = settings.INGEST_MAX_FIELDS, settings.INGEST_MAX_FIELD_NAME_LENGTH
    form_id = form_id if form_id is not None else parsed.form_id
    if form_id is None or form_id == "":
        raise InvalidSubmission("form_id is required.")
    if not isinstance(form_id, str) or not FORM_ID.match(form_id):
        raise InvalidSubmission("form_id must be 1-100 letters, digits or _ . : - characters.")
    fields = parsed.fields
    if not isinstance(fields, dict):
        raise InvalidSubmission("fields must be an object of field names to values.")
    if not fields and not parsed.files:
        raise InvalidSubmission("fields must contain at least one field (or the body at least one file).")
    if len(fields) > max_fields:
        raise InvalidSubmission(f"Too many fields: {len(fields)}, at most {max_fields}.")
    for name, value in fields.items():
        if not name or len(name) > max_name:
            raise InvalidSubmission(f"Field names must be 1-{max_name} characters long.")
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise InvalidSubmission(f"Field {name!r}: a list may only contain strings.")
        elif not isinstance(value, str):
            raise InvalidSubmission(f"Field {name!r}: values must be strings or lists of strings.")
    meta = parsed.meta if parsed.meta is not None else {}
    if not isinstance(meta, dict):
        raise InvalidSubmission("meta must be an object (page_url, user_agent, ip, referrer).")
    if len(meta) > META_KEYS_MAX:
        raise InvalidSubmission(f"meta may have at most {META_KEYS_MAX} keys.")
    for name, value in meta.items():
        if not name or len(name) > max_name or not isinstance(value, str) or len(value) > META_VALUE_MAX:
            raise InvalidSubmission(f"meta {name!r}: values must be strings of at most {META_VALUE_MAX} characters.")
    return CleanSubmission(form_id=form_id, fields=fields, meta=meta, special=parsed.special, files=parsed.files)


def submission_from_request(request, *, file_limits: FileLimits, form_id: str | None = None) -> CleanSubmission:
    """Read, parse and validate the body; a browser form's URL names its form_id instead.
    A multipart body streams (its files within `file_limits`, the plan's); the caller owns the
    received files' temporary copies (`discard_received`) once it is done with them."""
    if _media_type(request) == MULTIPART:
        _content_type(request.META.get("CONTENT_TYPE", ""))  # the charset check of every body
        parsed = _parse_multipart(request, request.META.get("CONTENT_TYPE", ""), file_limits)
        try:
            return clean_submission(parsed, form_id=form_id)
        except BaseException:
            received_discard(parsed.files)
            raise
    return clean_submission(parse_body(request, read_body(request)), form_id=form_id)

