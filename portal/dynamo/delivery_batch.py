"""The delivery worker's batched DynamoDB requests: one BatchGetItem for the tenants,
destinations and submissions of a whole fetch of due rows (instead of a GetItem of each per
delivery), and BatchExecuteStatement for the submissions' status updates of a pass. Across
tenants by design (the worker serves every tenant), but every item read is checked against
the tenant id its key was built from, like TenantScope does."""
from __future__ import annotations

import time
from datetime import datetime

from portal.dynamo.base import dynamodb_client, utcnow
from portal.dynamo.destinations import Destination
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import METADATA, Tenant

BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
BATCH_STATEMENTS = 25  # DynamoDB's limit per BatchExecuteStatement
CONDITION_FAILED = "ConditionalCheckFailed"


def _batch_get(requests: list[tuple[type, dict]]) -> list[tuple[type, dict]]:
    """(model, key) pairs -> (model, raw item) for the items that exist, any table, any
    number of keys; unprocessed keys are asked again (with a short backoff)."""
    client, found = dynamodb_client(), []
    for start in range(0, len(requests), BATCH_GET_KEYS):
        chunk = requests[start:start + BATCH_GET_KEYS]
        by_table: dict[str, type] = {model.Meta.table_name: model for model, _ in chunk}
        pending: dict = {}
        for model, key in chunk:
            pending.setdefault(model.Meta.table_name, {"Keys": []})["Keys"].append(key)
        delay = 0.01
        while pending:
            answer = client.batch_get_item(RequestItems=pending)
            for table, items in answer.get("Responses", {}).items():
                found += [(by_table[table], item) for item in items]
            pending = answer.get("UnprocessedKeys") or {}
            if pending:
                time.sleep(delay)
                delay = min(1.0, delay * 2)
    return found


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def tenants_and_destinations(*, tenant_ids: set[str], destination_keys: set[tuple[str, str]]
                             ) -> tuple[dict[str, Tenant], dict[tuple[str, str], Destination]]:
    """The tenants and (tenant id, destination id) destinations that exist, in one request
    per 100 keys. A destination stored under another tenant is left out."""
    requests = [(Tenant, _key(Tenant.key_for(t), METADATA)) for t in sorted(tenant_ids)]
    requests += [(Destination, _key(Destination.partition_for(t), Destination.sort_for(d)))
                 for t, d in sorted(destination_keys)]
    tenants, destinations = {}, {}
    for model, raw in _batch_get(requests):
        item = model.from_raw_data(raw)
        if model is Tenant:
            tenants[item.id] = item
        elif (item.tenantId, item.id) in destination_keys:
            destinations[(item.tenantId, item.id)] = item
    return tenants, destinations


def submissions_in_shards(keys: set[tuple[str, int, str]], *, now: datetime | None = None
                          ) -> dict[tuple[str, str], Submission]:
    """Submissions by (tenant id, shard, submission id) -> {(tenant id, submission id): item}
    for those stored there, unexpired and of that tenant (the caller looks elsewhere for the
    rest: Submission.find)."""
    now = now or utcnow()
    requests = [(Submission, _key(Submission.partition_for(t, shard), Submission.sort_for(s)))
                for t, shard, s in sorted(keys)]
    wanted = {(t, s) for t, _, s in keys}
    found = {}
    for _, raw in _batch_get(requests):
        item = Submission.from_raw_data(raw)
        if (item.tenantId, item.id) in wanted and not (item.ttl is not None and item.ttl <= now):
            found[(item.tenantId, item.id)] = item
    return found


def execute_statements(statements: list[dict]) -> list[bool]:
    """BatchExecuteStatement in chunks of 25: whether each statement applied (False when its
    condition failed). Each statement stands alone, as its own UpdateItem would; other
    errors raise."""
    client, applied = dynamodb_client(), []
    for start in range(0, len(statements), BATCH_STATEMENTS):
        chunk = statements[start:start + BATCH_STATEMENTS]
        answers = client.batch_execute_statement(Statements=chunk)["Responses"]
        for answer in answers:
            error = answer.get("Error")
            if error and error.get("Code") != CONDITION_FAILED:
                raise RuntimeError(f"BatchExecuteStatement: {error.get('Code')}: {error.get('Message')}")
            applied.append(not error)
    return applied
