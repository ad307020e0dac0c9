"""Export tables to a directory as gzipped JSON Lines in DynamoDB's own typed JSON (the shape
of DynamoDB's export to S3: one `{"Item": {...}}` per line, binary values in base64).

Each table is read with parallel segment scans; every segment writes its own file, one gzip
member per page, and records after each page how far it got (file size and the scan's last
key). Memory holds one page per segment at a time. An interrupted export run again into the
same directory cuts each file back to the last recorded size and continues from the last key,
so nothing is lost or written twice. manifest.json is written last: a directory without it is
an unfinished export.

A backup is a secret (password and key hashes, encrypted secrets, everything tenants sent):
files are written 0600 in folders 0700. The sessions table holds only short-lived items
(sessions, inspector captures, rate windows, throttles, idempotency claims): by default its
items stay out (its schema is kept, so a restore creates it empty)."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from portal.dynamo import base
from portal.dynamo.connection.settings import CONNECTION_SETTINGS
from portal.dynamo.registry import TABLE_MODELS
from portal.dynamo.operations.schema import table_definition

FORMAT = "formbridge-dynamodb-export/1"
EPHEMERAL_TABLES = ("sessions",)  # short-lived items only; exported with include_ephemeral
FILE_MODE, FOLDER_MODE = 0o600, 0o700
MANIFEST = "manifest.json"
PLAN = ".export-plan.json"
PROGRESS_DIR = ".progress"


class BackupError(Exception):
    """A backup that cannot be written or trusted; the message says what to do."""


# --- DynamoDB typed JSON --------------------------------------------------------------------
def _value_to_json(value: dict) -> dict:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "L":
        return {"L": [_value_to_json(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _value_to_json(v) for k, v in inner.items()}}
    return value


def _value_from_json(value: dict) -> dict:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "L":
        return {"L": [_value_from_json(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _value_from_json(v) for k, v in inner.items()}}
    return value


def item_to_json(item: dict) -> dict:
    return {name: _value_to_json(value) for name, value in item.items()}


def item_from_json(item: dict) -> dict:
    return {name: _value_from_json(value) for name, value in item.items()}


def read_items(path: Path) -> Iterator[dict]:
    """Items of one export file, decoded back into the client's wire shape (bytes for B)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield item_from_json(json.loads(line)["Item"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_folder(path: Path) -> None:
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)  # mkdir's mode is cut by the umask, and the folder may exist


def _private_file(path: Path, mode: str):
    """Open for writing, created 0600 (never readable by others, whatever the umask)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | (os.O_TRUNC if mode == "wb" else 0), FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)


def _write_json(path: Path, data: dict) -> None:
    """Atomically: a crash leaves the old file or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    with _private_file(tmp, "wb") as out:
        out.write(json.dumps(data, indent=2, sort_keys=True).encode())
    os.replace(tmp, path)


# --- export -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Segment:
    basename: str
    table_name: str
    segment: int
    total: int

    @property
    def file(self) -> str:
        return f"{self.basename}/segment-{self.segment:03d}.jsonl.gz"


def _select_models(tables: list[str] | None) -> list:
    known = {model.table_basename: model for model in TABLE_MODELS}
    unknown = sorted(set(tables or []) - set(known))
    if unknown:
        raise BackupError(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [known[name] for name in tables] if tables else list(TABLE_MODELS)


def _export_segment(job: _Segment, directory: Path, page_size: int, progress: Callable[[str, int], None]) -> dict:
    state_path = directory / PROGRESS_DIR / f"{job.basename}-{job.segment:03d}.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {"offset": 0, "items": 0,
                                                                             "last_key": None, "done": False}
    if state["done"]:
        return state
    path = directory / job.file
    _private_folder(path.parent)
    client = base.dynamodb_client()
    kwargs = {"TableName": job.table_name, "Segment": job.segment, "TotalSegments": job.total, "Limit": page_size}
    if state["last_key"]:
        kwargs["ExclusiveStartKey"] = item_from_json(state["last_key"])
    with _private_file(path, "r+b" if path.exists() else "wb") as out:
        out.truncate(state["offset"])  # drops a page written after the last recorded state
        out.seek(state["offset"])
        while True:
            page = client.scan(**kwargs)
            items = page.get("Items", [])
            if items:
                lines = "".join(json.dumps({"Item": item_to_json(i)}, sort_keys=True) + "\n" for i in items)
                out.write(gzip.compress(lines.encode("utf-8")))
                out.flush()
                os.fsync(out.fileno())
            last = page.get("LastEvaluatedKey")
            state = {"offset": out.tell(), "items": state["items"] + len(items),
                     "last_key": item_to_json(last) if last else None, "done": last is None}
            _write_json(state_path, state)
            progress(job.basename, len(items))
            if last is None:
                return state
            kwargs["ExclusiveStartKey"] = last


def export_tables(directory: Path, *, tables: list[str] | None = None, segments: int = 4, parallel: int = 4,
                  page_size: int = 500, progress: Callable[[str, int], None] = lambda table, n: None,
                  include_ephemeral: bool = False, now=base.utcnow) -> dict:
    """Export the chosen tables (all by default) into `directory`; returns the manifest.
    The items of EPHEMERAL_TABLES are left out unless `include_ephemeral` or the table is
    named in `tables`. Run again after an interruption with the same arguments to resume."""
    directory = Path(directory)
    if (directory / MANIFEST).exists():
        raise BackupError(f"{directory} already holds a finished export; choose an empty directory")
    models = _select_models(tables)
    skipped = [] if include_ephemeral or tables else [m.table_basename for m in models
                                                       if m.table_basename in EPHEMERAL_TABLES]
    plan = {"format": FORMAT, "prefix": CONNECTION_SETTINGS["prefix"], "segments": segments,
            "tables": [m.table_basename for m in models], "skipped": skipped}
    plan_path = directory / PLAN
    if plan_path.exists():
        started = json.loads(plan_path.read_text())
        if {k: started.get(k) for k in plan} != plan:
            raise BackupError(f"{directory} holds an unfinished export of something else "
                              f"({started.get('prefix')}{started.get('tables')}); choose an empty directory")
        plan["started_at"] = started["started_at"]
    else:
        if directory.exists() and any(directory.iterdir()):
            raise BackupError(f"{directory} is not empty; choose an empty directory")
        _private_folder(directory)
        _private_folder(directory / PROGRESS_DIR)
        plan["started_at"] = now().isoformat()
        _write_json(plan_path, plan)

    jobs = [_Segment(m.table_basename, m.Meta.table_name, s, segments) for m in models for s in range(segments)
            if m.table_basename not in skipped]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        states = list(pool.map(lambda job: _export_segment(job, directory, page_size, progress), jobs))

    manifest = {"format": FORMAT, "source_prefix": plan["prefix"], "started_at": plan["started_at"],
                "finished_at": now().isoformat(), "segments": segments, "tables": {}}
    for model in models:
        definition = table_definition(model)
        definition.pop("TableName")
        manifest["tables"][model.table_basename] = {"table_name": model.Meta.table_name, "items": 0, "files": [],
                                                    "schema": definition}
        if model.table_basename in skipped:
            manifest["tables"][model.table_basename]["items_left_out"] = "ephemeral"
    for job, state in zip(jobs, states):
        entry = manifest["tables"][job.basename]
        path = directory / job.file
        if not path.exists():  # an empty segment of an empty table still gets its (empty) file
            _private_folder(path.parent)
            _private_file(path, "wb").close()
        entry["items"] += state["items"]
        entry["files"].append({"path": job.file, "items": state["items"], "sha256": sha256_of(path)})
    _write_json(directory / MANIFEST, manifest)
    for leftover in (directory / PROGRESS_DIR).glob("*.json"):
        leftover.unlink()
    (directory / PROGRESS_DIR).rmdir()
    plan_path.unlink()
    return manifest
