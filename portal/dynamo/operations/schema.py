"""The tables as the models define them, in DynamoDB's own CreateTable shape: one source for
the backup manifest, restores under another prefix and the CloudFormation template."""
from __future__ import annotations

from pynamodb.attributes import TTLAttribute

from portal.dynamo.registry import TABLE_MODELS


def ttl_attribute(model) -> str | None:
    for attr in model.get_attributes().values():
        if isinstance(attr, TTLAttribute):
            return attr.attr_name
    return None


def _key_schema(keys: list[dict]) -> list[dict]:
    # DynamoDB wants HASH before RANGE; PynamoDB's schema may list them either way.
    return sorted(({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in keys),
                  key=lambda k: k["KeyType"] != "HASH")


def _projection(projection: dict) -> dict:
    out = {"ProjectionType": projection.get("ProjectionType", "ALL")}
    if out["ProjectionType"] == "INCLUDE":
        out["NonKeyAttributes"] = sorted(projection.get("NonKeyAttributes", []))
    return out


def table_definition(model, *, table_name: str | None = None) -> dict:
    """CreateTable arguments (on-demand) for the model's table, plus "TimeToLiveAttribute"
    (None when the table has no TTL). Attribute definitions and indexes come sorted by name,
    so two definitions compare equal exactly when the tables are the same."""
    schema = model._get_schema()
    definition = {
        "TableName": table_name or model.Meta.table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(schema["key_schema"]),
        "AttributeDefinitions": sorted(({"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                                        for a in schema["attribute_definitions"]), key=lambda a: a["AttributeName"]),
        "TimeToLiveAttribute": ttl_attribute(model),
    }
    indexes = [{"IndexName": gsi["index_name"], "KeySchema": _key_schema(gsi["key_schema"]),
                "Projection": _projection(gsi["projection"])}
               for gsi in schema["global_secondary_indexes"]]
    if indexes:
        definition["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    return definition


def described_definition(table: dict, ttl_attr: str | None) -> dict:
    """The same shape read back from DescribeTable (for comparing a live table with a model)."""
    definition = {
        "TableName": table["TableName"],
        "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "KeySchema": _key_schema(table["KeySchema"]),
        "AttributeDefinitions": sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "TimeToLiveAttribute": ttl_attr,
    }
    indexes = [{"IndexName": gsi["IndexName"], "KeySchema": _key_schema(gsi["KeySchema"]),
                "Projection": _projection(gsi["Projection"])}
               for gsi in table.get("GlobalSecondaryIndexes", [])]
    if indexes:
        definition["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    return definition


def model_by_basename() -> dict[str, type]:
    return {model.table_basename: model for model in TABLE_MODELS}
