"""Airtable: a personal access token (Authorization: Bearer, scope data.records:write on the
base) creates one record per submission (POST /v0/{baseId}/{table}, `typecast` on so text
lands in single-select and date fields). Documented limits kept
(airtable.com/developers/web/api/rate-limits): 5 requests per second per base, and after a 429
no request for 30 seconds, so the rate limit is 5/s and a 429 without Retry-After waits 30 s;
a long text cell holds at most 100,000 characters. Errors carry `error.message`
("Unknown field name: …")."""
from __future__ import annotations

from urllib.parse import quote

from portal.delivery.channels.base import call, credentials, cut, json_message, mapped_values, value_text, vendor_base
from portal.delivery.sender import SendResult
from portal.dynamo.destinations import AIRTABLE, Destination

RATE_PER_SECOND = 5.0
CELL = 100_000


def record_fields(destination: Destination, event: dict) -> dict[str, str]:
    """The map's columns when there is a map, else every field under its own name."""
    fields = (event.get("data") or {}).get("fields") or {}
    field_map = (destination.integration or {}).get("fieldMap") or {}
    if field_map:
        values = mapped_values(fields, field_map=field_map, defaults={})
    else:
        values = {str(name): value_text(value) for name, value in fields.items()}
    return {column: cut(value, CELL) for column, value in values.items() if value != ""}


def send(destination: Destination, *, summary, event: dict) -> SendResult:
    token = credentials(destination)["token"]
    settings_ = destination.integration or {}
    record = record_fields(destination, event)
    if not record:
        return SendResult(channel=AIRTABLE, error="None of the mapped fields are in this submission: "
                                                  "nothing to write (check the field mapping).")
    url = f"{vendor_base('airtable')}/v0/{settings_['baseId']}/{quote(settings_['table'], safe='')}"
    return call("POST", url, channel=AIRTABLE, headers={"Authorization": f"Bearer {token}"},
                json_body={"records": [{"fields": record}], "typecast": True},
                error_message=json_message("error.message", "error"), default_retry_after="30")
