"""Per-environment table settings that are not part of the models: point-in-time recovery,
deletion protection and TTL on/off. `dynamo_migrate` applies them and `--check` reports drift.

DynamoDB Local knows deletion protection and TTL but not point-in-time recovery (it answers
UnknownOperationException): there PITR reads as off, and wanting it on is reported, not
silently skipped."""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from portal.dynamo.operations.schema import ttl_attribute


@dataclass(frozen=True)
class TableSettings:
    """None leaves a setting as it is on the table (tests, tools that only create tables)."""

    pitr: bool | None = None
    deletion_protection: bool | None = None
    ttl: bool = True


UNSUPPORTED = "unsupported"


def _client(model):
    return model._get_connection().connection.client


def pitr_status(model) -> bool | str:
    """True/False, or UNSUPPORTED when the endpoint has no continuous backups (DynamoDB Local)."""
    try:
        answer = _client(model).describe_continuous_backups(TableName=model.Meta.table_name)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("UnknownOperationException", "UnrecognizedClientException"):
            return UNSUPPORTED
        raise
    description = answer["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    return description.get("PointInTimeRecoveryStatus") in ("ENABLED", "ENABLING")


def _ttl_state(model) -> tuple[bool, str | None]:
    ttl = _client(model).describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
    return ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"), ttl.get("AttributeName")


def drift(model, table: dict, wanted: TableSettings) -> list[str]:
    """One line per setting that differs from `wanted` on the described `table`."""
    problems, name = [], model.Meta.table_name
    ttl_attr = ttl_attribute(model)
    if ttl_attr:
        enabled, attr = _ttl_state(model)
        if wanted.ttl and (not enabled or attr != ttl_attr):
            problems.append(f"TTL not enabled on {ttl_attr}")
        elif not wanted.ttl and enabled:
            problems.append(f"TTL enabled on {attr} (configured off)")
    if wanted.deletion_protection is not None:
        have = bool(table.get("DeletionProtectionEnabled"))
        if have != wanted.deletion_protection:
            problems.append(f"deletion protection {'on' if have else 'off'} (configured "
                            f"{'on' if wanted.deletion_protection else 'off'})")
    if wanted.pitr is not None:
        have = pitr_status(model)
        if have == UNSUPPORTED and wanted.pitr:
            problems.append(f"point-in-time recovery configured on, but {name}'s endpoint does not support it")
        elif have != UNSUPPORTED and have != wanted.pitr:
            problems.append(f"point-in-time recovery {'on' if have else 'off'} (configured "
                            f"{'on' if wanted.pitr else 'off'})")
    return problems


def apply(model, table: dict, wanted: TableSettings) -> list[str]:
    """Change what differs; one line per change."""
    changes, name, client = [], model.Meta.table_name, _client(model)
    ttl_attr = ttl_attribute(model)
    if ttl_attr:
        enabled, attr = _ttl_state(model)
        if wanted.ttl and not enabled:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attr})
            changes.append(f"enabled TTL on {name}.{ttl_attr}")
        elif not wanted.ttl and enabled:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": attr})
            changes.append(f"disabled TTL on {name}.{attr}")
    if wanted.deletion_protection is not None and bool(table.get("DeletionProtectionEnabled")) != wanted.deletion_protection:
        client.update_table(TableName=name, DeletionProtectionEnabled=wanted.deletion_protection)
        changes.append(f"{'enabled' if wanted.deletion_protection else 'disabled'} deletion protection on {name}")
    if wanted.pitr is not None:
        have = pitr_status(model)
        if have != UNSUPPORTED and have != wanted.pitr:
            client.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": wanted.pitr})
            changes.append(f"{'enabled' if wanted.pitr else 'disabled'} point-in-time recovery on {name}")
    return changes
