"""Create or check tables, GSIs and TTL so they match the models (like Django's migrate)."""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from .registry import TABLE_MODELS


@dataclass
class Drift:
    table: str
    problem: str  # "missing table", "missing index X", "TTL off for attr"

    def __str__(self) -> str:
        return f"{self.table}: {self.problem}"


def _client(model):
    return model._get_connection().connection.client


def _ttl_attribute(model) -> str | None:
    from pynamodb.attributes import TTLAttribute

    for attr in model.get_attributes().values():
        if isinstance(attr, TTLAttribute):
            return attr.attr_name
    return None


def _describe(model) -> dict | None:
    try:
        return _client(model).describe_table(TableName=model.Meta.table_name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def find_drift() -> list[Drift]:
    drift: list[Drift] = []
    for model in TABLE_MODELS:
        name = model.Meta.table_name
        table = _describe(model)
        if table is None:
            drift.append(Drift(name, "missing table"))
            continue
        existing = {gsi["IndexName"] for gsi in table.get("GlobalSecondaryIndexes", [])}
        for index in model._get_schema()["global_secondary_indexes"]:
            if index["index_name"] not in existing:
                drift.append(Drift(name, f"missing index {index['index_name']}"))
        ttl_attr = _ttl_attribute(model)
        if ttl_attr:
            ttl = _client(model).describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get("AttributeName") != ttl_attr:
                drift.append(Drift(name, f"TTL not enabled on {ttl_attr}"))
    return drift


def _wait_active(model) -> None:
    _client(model).get_waiter("table_exists").wait(
        TableName=model.Meta.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def apply(log=print) -> list[str]:
    """Create what is missing; return one line per change (empty when nothing changed)."""
    changes: list[str] = []
    for model in TABLE_MODELS:
        name = model.Meta.table_name
        table = _describe(model)
        if table is None:
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=False, ignore_update_ttl_errors=True)
            _wait_active(model)
            changes.append(f"created table {name}")
            table = _describe(model)
        existing = {gsi["IndexName"] for gsi in table.get("GlobalSecondaryIndexes", [])}
        for index in model._get_schema()["global_secondary_indexes"]:
            if index["index_name"] in existing:
                continue
            # DynamoDB adds one GSI per UpdateTable call.
            _client(model).update_table(
                TableName=name,
                AttributeDefinitions=index["attribute_definitions"],
                GlobalSecondaryIndexUpdates=[{"Create": {
                    "IndexName": index["index_name"],
                    # DynamoDB wants HASH before RANGE; PynamoDB's schema may list them either way.
                    "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
                    "Projection": index["projection"],
                }}],
            )
            _wait_active(model)
            changes.append(f"created index {index['index_name']} on {name}")
        ttl_attr = _ttl_attribute(model)
        if ttl_attr:
            ttl = _client(model).describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                _client(model).update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attr}
                )
                changes.append(f"enabled TTL on {name}.{ttl_attr}")
    for line in changes:
        log(line)
    return changes
