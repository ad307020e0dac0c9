"""Restore an export (portal/dynamo/operations/backup.py) into tables under a new prefix.

Everything is checked before the first write: the manifest's format, every file's SHA-256,
that the backup's keys are the models' keys, and that no target table holds data (existing
target tables are refused unless `into_existing`, and then only when empty)."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from botocore.exceptions import ClientError

from portal.dynamo import base
from portal.dynamo.operations.backup import FORMAT, MANIFEST, BackupError, read_items, sha256_of
from portal.dynamo.operations.schema import model_by_basename, table_definition

BATCH = 25  # BatchWriteItem's limit


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise BackupError(f"{directory} has no {MANIFEST}: not a finished export")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def verify(directory: Path, manifest: dict) -> list[str]:
    """Problems with the files or with the keys against today's models (empty = all good)."""
    directory, problems, models = Path(directory), [], model_by_basename()
    for basename, entry in manifest["tables"].items():
        model = models.get(basename)
        if model is None:
            problems.append(f"{basename}: no such table in this release")
            continue
        # Indexes may have changed since (dynamo_migrate adds them); the keys may not.
        have, want = entry["schema"]["KeySchema"], table_definition(model)["KeySchema"]
        if have != want:
            problems.append(f"{basename}: the backup's keys {have} are not the models' {want}")
        if sum(f["items"] for f in entry["files"]) != entry["items"]:
            problems.append(f"{basename}: file item counts do not add up to {entry['items']}")
        for file in entry["files"]:
            path = directory / file["path"]
            if not path.exists():
                problems.append(f"{file['path']}: missing")
            elif sha256_of(path) != file["sha256"]:
                problems.append(f"{file['path']}: SHA-256 differs from the manifest (damaged or changed)")
    return problems


def _describe(client, name: str) -> dict | None:
    try:
        return client.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def _is_empty(client, name: str) -> bool:
    return not client.scan(TableName=name, Limit=1, Select="COUNT").get("Count")


def _create(client, model, name: str) -> None:
    definition = table_definition(model, table_name=name)
    ttl = definition.pop("TimeToLiveAttribute")
    client.create_table(**definition)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})


def _write_batch(client, name: str, items: list[dict], sleep=time.sleep) -> None:
    requests = {name: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(12):
        unprocessed = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not unprocessed:
            return
        requests = unprocessed
        sleep(min(2.0, 0.05 * 2 ** attempt))  # throttled: back off before the rest
    raise BackupError(f"{name}: DynamoDB kept refusing writes (throttled); run the import again")


def _import_file(client, name: str, path: Path, progress: Callable[[str, int], None], basename: str) -> int:
    batch, count = [], 0
    for item in read_items(path):
        batch.append(item)
        if len(batch) == BATCH:
            _write_batch(client, name, batch)
            count += len(batch)
            progress(basename, len(batch))
            batch = []
    if batch:
        _write_batch(client, name, batch)
        count += len(batch)
        progress(basename, len(batch))
    return count


def import_tables(directory: Path, *, prefix: str, into_existing: bool = False, parallel: int = 4,
                  progress: Callable[[str, int], None] = lambda table, n: None) -> dict[str, int]:
    """Restore every table of the export under `prefix`; returns the items written per table."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    problems = verify(directory, manifest)
    if problems:
        raise BackupError("the backup does not verify:\n  " + "\n  ".join(problems))
    client, models = base.dynamodb_client(), model_by_basename()
    targets = {basename: prefix + basename for basename in manifest["tables"]}
    refusals = []
    for basename, name in targets.items():
        if _describe(client, name) is None:
            continue
        if not into_existing:
            refusals.append(f"{name} exists (restore into a new prefix, or pass --into-existing for empty tables)")
        elif not _is_empty(client, name):
            refusals.append(f"{name} holds data: a restore never writes over live data")
    if refusals:
        raise BackupError("refusing to restore:\n  " + "\n  ".join(refusals))
    for basename, name in targets.items():
        if _describe(client, name) is None:
            _create(client, models[basename], name)

    jobs = [(basename, directory / f["path"]) for basename, entry in manifest["tables"].items() for f in entry["files"]]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        written = list(pool.map(lambda job: _import_file(client, targets[job[0]], job[1], progress, job[0]), jobs))
    counts = dict.fromkeys(manifest["tables"], 0)
    for (basename, _), n in zip(jobs, written):
        counts[basename] += n
    short = {b: (n, manifest["tables"][b]["items"]) for b, n in counts.items() if n != manifest["tables"][b]["items"]}
    if short:
        raise BackupError(f"item counts differ from the manifest (written, expected): {short}")
    return counts
