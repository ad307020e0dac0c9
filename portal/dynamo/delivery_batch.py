"""The delivery worker's batched DynamoDB requests: one BatchGetItem for the tenants,
destinations and submissions of a whole fetch of due rows (instead of a GetItem of each per
delivery), BatchExecuteStatement for the submissions' status updates of a pass, and the
StatementBatcher that sends the claims and outcomes of concurrent attempts together. Across
tenants by design (the worker serves every tenant), but every item read is checked against
the tenant id its key was built from, like TenantScope does."""
from __future__ import annotations

import math
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from portal.dynamo.base import dynamodb_client, utcnow
from portal.dynamo.connection import capacity
from portal.dynamo.destinations import Destination
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import METADATA, Tenant
from portal.observability.metrics import statement_observed

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


class StatementRefused(Exception):
    """DynamoDB answered a batched statement with an error other than its condition failing
    (throttled, an internal error): nothing was applied; the caller may try it again."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class StatementBatcher:
    """Conditional writes from many threads, sent together: a caller hands over one statement
    and waits for its own answer while the batcher's threads send whatever is queued, up to 25
    per BatchExecuteStatement. So the claims (and outcomes) of attempts that start (and end)
    together share one request, yet a statement alone goes at once: nothing waits for a batch
    to fill. Each statement stands alone, as its own UpdateItem would (a failed condition fails
    only that one). Its consumed capacity is charged to the statements' tenants by their share
    of the batch."""

    def __init__(self, *, threads: int = 2, name: str = "statements", table: str | None = None,
                 index_keys: tuple[str, ...] = ()):
        # For a server that reports no consumed capacity for BatchExecuteStatement (DynamoDB
        # Local): the units are estimated as AWS would charge them, per statement.
        self.table, self.index_keys = table, index_keys
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def execute(self, statement: dict, *, tenant_id: str | None = None, item_bytes: int | None = None) -> dict | None:
        """Send `statement` in the next batch. Returns the item it returned (RETURNING), {} when
        it applied and returned nothing, None when its condition failed; raises StatementRefused
        for any other error of the statement, and what the request raised (DynamoDB not
        answering) when the whole batch failed."""
        answer: Future = Future()
        self._queue.put(_Queued(statement, tenant_id, answer, item_bytes))
        return answer.result()

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = [first], False
            while len(batch) < BATCH_STATEMENTS:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                batch.append(following)
            self._send(batch)
            if stopping:
                return

    def _send(self, batch: list) -> None:
        try:
            with capacity.metered() as shared:
                answers = dynamodb_client().batch_execute_statement(
                    Statements=[queued.statement for queued in batch])["Responses"]
        except BaseException as error:  # noqa: BLE001 - every waiting caller gets it
            for queued in batch:
                queued.answer.set_exception(error)
            return
        if not shared.write_units and self.table:
            shared.write[self.table] += sum(self.write_units_estimate(queued, response)
                                            for queued, response in zip(batch, answers))
        capacity.carry_shared(shared, tenant_ids=[queued.tenant_id for queued in batch if queued.tenant_id])
        for queued, response in zip(batch, answers):
            answer = queued.answer
            error = response.get("Error")
            if error is None:
                statement_observed(outcome="applied")
                answer.set_result(response.get("Item") or {})
            elif error.get("Code") == CONDITION_FAILED:
                statement_observed(outcome="condition_failed")
                answer.set_result(None)
            else:
                statement_observed(outcome="error")
                answer.set_exception(StatementRefused(error.get("Code") or "?", error.get("Message") or ""))


    def write_units_estimate(self, queued: "_Queued", response: dict) -> int:
        """About what AWS charges for one statement, applied or not: a unit per KB of the item
        (the one returned, else the size the caller gave, else the values written) for the
        table and again for each index whose key the statement writes."""
        item = response.get("Item")
        size = (capacity.item_size(item) if item else queued.item_bytes) or capacity.item_size(
            {f"p{i}": value for i, value in enumerate(queued.statement.get("Parameters", []))})
        writes = 1 + sum(1 for key in self.index_keys if f'"{key}"' in queued.statement["Statement"])
        return writes * max(1, math.ceil(size / 1024))


@dataclass
class _Queued:
    statement: dict
    tenant_id: str | None
    answer: Future
    item_bytes: int | None = None

