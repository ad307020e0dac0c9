"""Streaming exports of a filtered submission set: CSV and JSON Lines, one row at a time, so
memory stays flat whatever the number of submissions."""
from __future__ import annotations

import csv
import json
from itertools import islice
from typing import Iterable, Iterator

from portal.dynamo.submissions import Submission

# site_domain beside site_id: people read the domain, scripts keep joining on the id.
FIXED = ["id", "received_at", "form_id", "site_id", "site_domain", "spam", "page_url", "ip", "user_agent", "state",
         "assignee"]
FILES_COLUMN = "files"  # "name (size bytes); ..." in CSV; a list of {field, name, size, content_type} in JSON Lines
HEADER_SAMPLE = 200  # field columns come from the first rows; later new names go to other_fields


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = ", ".join(value) if isinstance(value, list) else str(value)
    # Spreadsheet formula injection: a cell starting like a formula is shown as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def json_record(item: Submission, site_domains: dict[str, str] | None = None) -> dict:
    """One submission as exported (JSON Lines, privacy exports); `site_domains` maps the
    tenant's site ids to their domains."""
    return {"id": item.id, "received_at": item.receivedAt.isoformat(), "form_id": item.formId,
            "site_id": item.siteId or "", "site_domain": (site_domains or {}).get(item.siteId or "", ""),
            "spam": item.spam, "fields": item.fields, "meta": item.meta,
            "state": item.lead_state, "assignee": item.assignee or "",
            "files": [{"field": f.field, "name": f.name, "size": int(f.size), "content_type": f.sniffedType or f.sentType}
                      for f in item.files or []]}


def csv_rows(items: Iterable[Submission], site_domains: dict[str, str] | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    iterator = iter(items)
    head = [json_record(item, site_domains) for item in islice(iterator, HEADER_SAMPLE)]
    names: list[str] = []
    for record in head:
        for name in record["fields"]:
            if name not in names:
                names.append(name)
    # Field names come from senders too: header cells are escaped like values.
    header = [_cell(name) for name in FIXED + names + ["other_fields", FILES_COLUMN]]
    yield "\ufeff" + writer.writerow(header)  # BOM: Excel reads UTF-8

    def row(record: dict) -> str:
        meta, fields = record["meta"], record["fields"]
        other = {k: v for k, v in fields.items() if k not in names}
        values = [record["id"], record["received_at"], record["form_id"], record["site_id"], record["site_domain"],
                  "yes" if record["spam"] else "no", meta.get("page_url", ""), meta.get("ip", ""),
                  meta.get("user_agent", ""), record["state"], record["assignee"]]
        values += [fields.get(name, "") for name in names]
        values.append(json.dumps(other, ensure_ascii=False) if other else "")
        values.append("; ".join(f"{f['name']} ({f['size']} bytes)" for f in record["files"]))
        return writer.writerow([_cell(v) for v in values])

    for record in head:
        yield row(record)
    for item in iterator:
        yield row(json_record(item, site_domains))


def jsonl_lines(items: Iterable[Submission], site_domains: dict[str, str] | None = None) -> Iterator[str]:
    for item in items:
        yield json.dumps(json_record(item, site_domains), ensure_ascii=False) + "\n"
