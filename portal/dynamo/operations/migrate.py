"""Create or check tables, GSIs and TTL so they match the models (like Django's migrate).

A GSI whose projection differs from the model's is only reported: DynamoDB cannot change a
projection in place, so a rebuild deletes the index and creates it again once it is gone, and
queries on it (the worker's due index, the public form's lookups) fail until it is back. That
happens only when asked (`rebuild_indexes=True`, `dynamo_migrate --rebuild-indexes`), never
in the ordinary release step. An index no model declares any more (nothing reads it, yet every
write pays for it) is reported too, and deleted only when asked (`drop_unused_indexes=True`,
`dynamo_migrate --drop-unused-indexes`): the release step never deletes an index on its own.

DynamoDB Local runs index creation and deletion as background jobs on a fixed pool of 10
threads, three of which its job schedulers hold for good; every table with TTL enabled adds a
sweeper job that holds a thread too (it sleeps 10 s between scans). With 7 or more TTL tables
on one DynamoDB Local (two prefixes of this project are 8) the pool is full and an index
change never finishes. Waiting on one there, after STALL_CHECK_SECONDS the wait counts the
endpoint's TTL tables and stops with that explanation instead of waiting half an hour."""
from __future__ import annotations

import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from portal.dynamo.operations import table_settings
from portal.dynamo.connection.settings import CONNECTION_SETTINGS
from portal.dynamo.registry import TABLE_MODELS
from portal.dynamo.operations.table_settings import TableSettings


@dataclass
class Drift:
    table: str
    problem: str  # "missing table", "missing index X", "index X projection differs: A vs B", "TTL off for attr"

    def __str__(self) -> str:
        return f"{self.table}: {self.problem}"


def _client(model):
    return model._get_connection().connection.client


def _describe(model) -> dict | None:
    try:
        return _client(model).describe_table(TableName=model.Meta.table_name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def projection_text(projection: dict) -> str:
    """ALL, KEYS_ONLY or INCLUDE[a, b] (attributes sorted: their order means nothing)."""
    kind = projection.get("ProjectionType", "ALL")
    if kind == "INCLUDE":
        return f"INCLUDE[{', '.join(sorted(projection.get('NonKeyAttributes', [])))}]"
    return kind


def _existing_indexes(table: dict) -> dict[str, dict]:
    return {gsi["IndexName"]: gsi for gsi in table.get("GlobalSecondaryIndexes", [])}


def _projection_change(existing: dict, index: dict) -> tuple[str, str] | None:
    """(table's projection, model's projection) when they differ, else None."""
    have, want = projection_text(existing.get("Projection", {})), projection_text(index["projection"])
    return (have, want) if have != want else None


def find_drift(wanted: TableSettings = TableSettings()) -> list[Drift]:
    drift: list[Drift] = []
    for model in TABLE_MODELS:
        name = model.Meta.table_name
        table = _describe(model)
        if table is None:
            drift.append(Drift(name, "missing table"))
            continue
        existing = _existing_indexes(table)
        for index in model._get_schema()["global_secondary_indexes"]:
            if index["index_name"] not in existing:
                drift.append(Drift(name, f"missing index {index['index_name']}"))
                continue
            change = _projection_change(existing[index["index_name"]], index)
            if change:
                drift.append(Drift(name, f"index {index['index_name']} projection differs: {change[0]} vs {change[1]}"))
        drift += [Drift(name, problem) for problem in table_settings.drift(model, table, wanted)]
        for extra in _undeclared_indexes(model, existing):
            drift.append(Drift(name, f"index {extra} is not in the model (nothing reads it)"))
    return drift


def _wait_active(model) -> None:
    _client(model).get_waiter("table_exists").wait(
        TableName=model.Meta.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


STALL_CHECK_SECONDS = 20.0
LOCAL_BACKGROUND_THREADS, LOCAL_SCHEDULER_THREADS = 10, 3  # DynamoDB Local's job pool (see above)


class IndexJobsStarved(RuntimeError):
    """DynamoDB Local cannot run an index change now (too many TTL tables on it)."""


def _wait_until(check, *, what: str, timeout: float = 1800, sleep=time.sleep, stalled=None) -> None:
    """Poll `check` (DynamoDB adds and drops indexes asynchronously: seconds on DynamoDB
    Local, minutes on AWS) with a delay growing from 50 ms to 5 s. `stalled()`, asked once
    after STALL_CHECK_SECONDS, may name a reason the wait can never end: then it raises."""
    started = time.monotonic()
    deadline, delay, asked = started + timeout, 0.05, stalled is None
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting for {what}")
        if not asked and time.monotonic() - started > STALL_CHECK_SECONDS:
            asked, reason = True, stalled()
            if reason:
                raise IndexJobsStarved(f"waiting for {what}: {reason}")
        sleep(delay)
        delay = min(5.0, delay * 1.5)


def local_index_jobs_starved(model) -> str | None:
    """On DynamoDB Local (a configured endpoint), why its index jobs cannot run, if that is
    the case: the TTL tables on the endpoint fill its background pool."""
    if not CONNECTION_SETTINGS.get("host"):
        return None
    client, names, start = _client(model), [], None
    while True:
        page = client.list_tables(**({"ExclusiveStartTableName": start} if start else {}))
        names += page.get("TableNames", [])
        start = page.get("LastEvaluatedTableName")
        if not start:
            break
    with_ttl = [name for name in names if client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
                .get("TimeToLiveStatus") in ("ENABLED", "ENABLING")]
    if len(with_ttl) < LOCAL_BACKGROUND_THREADS - LOCAL_SCHEDULER_THREADS:
        return None
    return (f"DynamoDB Local has {len(with_ttl)} tables with TTL enabled; each holds one of the "
            f"{LOCAL_BACKGROUND_THREADS - LOCAL_SCHEDULER_THREADS} threads that also run index changes, so this one "
            "never starts. Delete the tables of prefixes you no longer use (or disable their TTL) and run again.")


def _wait_for_index(model, check, *, what: str) -> None:
    _wait_until(check, what=what, stalled=lambda: local_index_jobs_starved(model))


def _index_status(model, index_name: str) -> str | None:
    """ACTIVE, CREATING, UPDATING, DELETING, or None once the index is gone."""
    gsi = _existing_indexes(_describe(model) or {}).get(index_name)
    return None if gsi is None else gsi.get("IndexStatus", "ACTIVE")


def _create_index(model, index: dict) -> None:
    # DynamoDB adds one GSI per UpdateTable call.
    _client(model).update_table(
        TableName=model.Meta.table_name,
        AttributeDefinitions=index["attribute_definitions"],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": index["index_name"],
            # DynamoDB wants HASH before RANGE; PynamoDB's schema may list them either way.
            "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
            "Projection": index["projection"],
        }}],
    )
    _wait_active(model)
    _wait_for_index(model, lambda: _index_status(model, index["index_name"]) == "ACTIVE",
                    what=f"index {index['index_name']} on {model.Meta.table_name} to become active")


def _undeclared_indexes(model, existing: dict) -> list[str]:
    declared = {index["index_name"] for index in model._get_schema()["global_secondary_indexes"]}
    return sorted(set(existing) - declared)


def _delete_index(model, name: str) -> None:
    # DynamoDB refuses to delete an index that is still being built.
    _wait_for_index(model, lambda: _index_status(model, name) in ("ACTIVE", None), what=f"index {name} to settle")
    if _index_status(model, name) is None:
        return
    _client(model).update_table(TableName=model.Meta.table_name,
                                GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
    _wait_for_index(model, lambda: _index_status(model, name) is None,
                    what=f"index {name} on {model.Meta.table_name} to be deleted")


def _rebuild_index(model, index: dict) -> None:
    """Delete the index, wait until it is gone, create it with the model's projection."""
    name = index["index_name"]
    # DynamoDB refuses to delete an index that is still being built.
    _wait_for_index(model, lambda: _index_status(model, name) in ("ACTIVE", None), what=f"index {name} to settle")
    _client(model).update_table(TableName=model.Meta.table_name,
                                GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
    _wait_for_index(model, lambda: _index_status(model, name) is None,
                    what=f"index {name} on {model.Meta.table_name} to be deleted")
    _create_index(model, index)


def apply(log=print, wanted: TableSettings = TableSettings(), *, rebuild_indexes: bool = False,
          drop_unused_indexes: bool = False) -> list[str]:
    """Create what is missing, bring table settings to `wanted`; return one line per change
    (empty when nothing changed). An index whose projection differs, or that no model declares,
    is logged and left alone unless rebuild_indexes / drop_unused_indexes."""
    changes: list[str] = []
    for model in TABLE_MODELS:
        name = model.Meta.table_name
        table = _describe(model)
        if table is None:
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=False, ignore_update_ttl_errors=True)
            _wait_active(model)
            changes.append(f"created table {name}")
            table = _describe(model)
        existing = _existing_indexes(table)
        for index in model._get_schema()["global_secondary_indexes"]:
            if index["index_name"] not in existing:
                _create_index(model, index)
                changes.append(f"created index {index['index_name']} on {name}")
                continue
            change = _projection_change(existing[index["index_name"]], index)
            if change and not rebuild_indexes:
                log(f"NOT rebuilt: index {index['index_name']} on {name} projection differs: {change[0]} vs "
                    f"{change[1]}; run `manage.py dynamo_migrate --rebuild-indexes` in a quiet moment "
                    "(queries on it fail while it is rebuilt)")
            elif change:
                _rebuild_index(model, index)
                changes.append(f"rebuilt index {index['index_name']} on {name}: projection {change[0]} -> {change[1]}")
        for extra in _undeclared_indexes(model, existing):
            if drop_unused_indexes:
                _delete_index(model, extra)
                changes.append(f"deleted index {extra} on {name} (not in the model)")
            else:
                log(f"NOT dropped: index {extra} on {name} is not in the model (nothing reads it); run "
                    "`manage.py dynamo_migrate --drop-unused-indexes` to stop paying for its writes")
        changes += table_settings.apply(model, table, wanted)
    for line in changes:
        log(line)
    return changes
