"""Shared plumbing for every table: naming, connection settings, timestamps, soft-delete
fields, the tenant scope guard, the shared ActiveIndex, optimistic-lock saves, and the
transaction helpers that use the models' endpoint."""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import botocore.loaders
import botocore.session
import pynamodb.connection.base as pynamodb_connection_base
from botocore.exceptions import ClientError
from pynamodb.attributes import Attribute, BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import NUMBER
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite
from ulid import ULID

from portal.dynamo.connection.settings import CONNECTION_SETTINGS
from portal.errors import ConcurrentEdit

from portal.dynamo.scope import TenantScope
from portal.dynamo.connection.telemetry import instrument

# PynamoDB builds one botocore session per model and thread, and each new session parses the
# DynamoDB service description again (~0.1 s each, 13 tables). Share one loader instead.
# Every session also gets the operators' metric hooks here, once, instead of at call sites.
_SHARED_LOADER = botocore.loaders.create_loader()


def _session_with_shared_loader() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _SHARED_LOADER)
    instrument(session)
    return session


pynamodb_connection_base.get_session = _session_with_shared_loader



def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    """ULIDs sort by creation time, which keeps newest-first listings cheap."""
    return str(ULID())


class UnscopedTenantAccess(RuntimeError):
    """A tenant-owned table was read without going through a tenant scope."""


class DecimalAttribute(Attribute[Decimal]):
    """Money as a DynamoDB number that never passes through float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        if isinstance(value, float):
            raise TypeError("DecimalAttribute refuses floats; use Decimal")
        return str(Decimal(value))

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class JSONAttribute(UnicodeAttribute):
    """Free-form JSON (audit snapshots, custom headers) kept as one string."""

    def serialize(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    def deserialize(self, value: str) -> Any:
        return json.loads(value)


class BaseModel(Model):
    """Every table model: named `{prefix}{table_basename}`, on-demand billing."""

    table_basename: str = ""

    class Meta:
        abstract = True
        billing_mode = "PAY_PER_REQUEST"

    @classmethod
    def apply_connection_settings(cls) -> None:
        own_meta_required(cls)
        cls.Meta.table_name = CONNECTION_SETTINGS["prefix"] + cls.table_basename
        cls.Meta.host = CONNECTION_SETTINGS["host"]
        cls.Meta.region = CONNECTION_SETTINGS["region"]
        cls.Meta.billing_mode = "PAY_PER_REQUEST"
        cls.Meta.connect_timeout_seconds = CONNECTION_SETTINGS.get("connect_timeout", 5)
        cls.Meta.read_timeout_seconds = CONNECTION_SETTINGS.get("read_timeout", 30)
        cls.Meta.max_retry_attempts = CONNECTION_SETTINGS.get("max_retry_attempts", 3)
        cls.Meta.max_pool_connections = CONNECTION_SETTINGS.get("max_pool_connections", 10)
        cls.Meta.aws_access_key_id = CONNECTION_SETTINGS.get("access_key")
        cls.Meta.aws_secret_access_key = CONNECTION_SETTINGS.get("secret_key")
        # PynamoDB caches the connection on the class: drop it so the new settings apply.
        cls._connection = None
        _CONNECTIONS.clear()


class ActivatableModel(BaseModel):
    """The five mandatory fields of an activatable entity. Deleting sets active=False;
    nothing is physically removed, so staff can restore."""

    class Meta:
        abstract = True

    id = UnicodeAttribute()
    dateCreated = UTCDateTimeAttribute(default_for_new=utcnow)
    dateLastUpdated = UTCDateTimeAttribute(default_for_new=utcnow)
    lastUpdatedBy = UnicodeAttribute(default="system")
    active = BooleanAttribute(default=True)

    def touch(self, actor: str) -> None:
        self.dateLastUpdated = utcnow()
        self.lastUpdatedBy = actor

    def sync_index_keys(self) -> None:
        """Derived index attributes (sparse flags, composite sort keys); override per table."""

    def save(self, *args, **kwargs):
        self.sync_index_keys()
        return super().save(*args, **kwargs)


def active_key(active: bool) -> str:
    return "ACTIVE" if active else "INACTIVE"


class ActiveIndex(GlobalSecondaryIndex):
    """Sparse: only active items carry activeSparse (tenants, products, campaigns)."""

    class Meta:
        index_name = "ActiveIndex"
        projection = AllProjection()

    activeSparse = UnicodeAttribute(hash_key=True)
    dateCreated = UTCDateTimeAttribute(range_key=True)


class TenantOwnedModel(BaseModel):
    """Tables whose items belong to one tenant. Plain get/query/scan/count raise: reads must go
    through `Model.in_tenant(tenant_id)`, which checks every item against the tenant, so a
    forgotten scope fails loudly instead of leaking another tenant's data. Each subclass
    declares a `tenantId` attribute."""

    class Meta:
        abstract = True

    @classmethod
    def _refuse(cls, *args, **kwargs):
        raise UnscopedTenantAccess(
            f"{cls.__name__} is tenant-owned: read it through {cls.__name__}.in_tenant(tenant_id)"
        )

    get = _refuse
    query = _refuse
    scan = _refuse
    count = _refuse
    batch_get = _refuse

    # The data layer's own, deliberately unscoped reads (authentication by key hash, the
    # delivery worker's due queue) use these, named so that they stand out in review.
    @classmethod
    def _unscoped_get(cls, *args, **kwargs):
        return Model.get.__func__(cls, *args, **kwargs)

    @classmethod
    def _unscoped_query(cls, *args, **kwargs):
        return Model.query.__func__(cls, *args, **kwargs)

    @classmethod
    def _unscoped_scan(cls, *args, **kwargs):
        return Model.scan.__func__(cls, *args, **kwargs)

    @classmethod
    def _unscoped_count(cls, *args, **kwargs):
        return Model.count.__func__(cls, *args, **kwargs)

    @classmethod
    def in_tenant(cls, tenant_id: str, *, site_ids=None) -> TenantScope:
        """`site_ids`: the sites a site-scoped role may see (None: all of the tenant's)."""
        if not tenant_id:
            raise UnscopedTenantAccess("a tenant scope needs a tenant id")
        return TenantScope(cls, tenant_id, site_ids)


# --- optimistic locking --------------------------------------------------------------------
def condition_failures(error: TransactWriteError) -> set[int]:
    """Positions of the actions whose condition failed (DynamoDB reports one reason per action,
    in the order PynamoDB sends them: condition checks, deletes, puts, updates)."""
    reasons = error.cancellation_reasons or []
    return {i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"}


def is_condition_failure(error: PynamoDBException) -> bool:
    if isinstance(error, TransactWriteError):
        return bool(condition_failures(error))
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def save_new(item) -> bool:
    """Save an item whose key must not exist yet; False (nothing written) if it does."""
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def save_versioned(item, *, condition=None) -> None:
    """Save an item carrying a VersionAttribute; a stale copy raises ConcurrentEdit and writes nothing."""
    try:
        item.save(condition=condition)
    except (PutError, UpdateError) as error:
        if is_condition_failure(error):
            raise ConcurrentEdit() from error
        raise


# --- transactions ----------------------------------------------------------------------------
# One Connection per endpoint, dropped whenever the models are re-pointed (tests switch between
# moto and DynamoDB Local); botocore clients are thread-safe.
_CONNECTIONS: dict[tuple, Connection] = {}
TRANSACT_ATTEMPTS = 6
TRANSACT_MAX_ACTIONS = 100  # DynamoDB's limit of actions in one TransactWriteItems
_RETRYABLE_REASONS = ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")
_RETRYABLE_ERRORS = ("ThrottlingException", "InternalServerError")
CONDITION_FAILED = "ConditionalCheckFailed"


def _connection() -> Connection:
    settings = (CONNECTION_SETTINGS["host"], CONNECTION_SETTINGS["region"],
                CONNECTION_SETTINGS.get("access_key"), CONNECTION_SETTINGS.get("secret_key"))
    connection = _CONNECTIONS.get(settings)
    if connection is None:
        connection = _CONNECTIONS[settings] = Connection(
            host=settings[0], region=settings[1], aws_access_key_id=settings[2], aws_secret_access_key=settings[3],
            connect_timeout_seconds=CONNECTION_SETTINGS.get("connect_timeout", 5),
            read_timeout_seconds=CONNECTION_SETTINGS.get("read_timeout", 30),
            max_retry_attempts=CONNECTION_SETTINGS.get("max_retry_attempts", 3),
            max_pool_connections=CONNECTION_SETTINGS.get("max_pool_connections", 10),
        )
    return connection


def dynamodb_client():
    """The botocore client of the models' endpoint (PynamoDB transactions ignore Meta.host)."""
    return _connection().client


def transact_write(**kwargs) -> TransactWrite:
    """A PynamoDB TransactWrite of model saves/deletes (version checks included) on the
    models' endpoint: TransactWrite ignores Meta.host, so give it a connection to it."""
    return TransactWrite(connection=_connection(), **kwargs)


class TransactionCancelled(Exception):
    """DynamoDB cancelled a transaction for a reason retrying does not fix (a failed
    condition), or conflicts outlasted the retries. `reasons` has one code per action, in the
    order they were given (None where that action was fine)."""

    def __init__(self, reasons: list[str | None]):
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons

    def condition_failed(self, index: int | None = None) -> bool:
        """Whether action `index` (or any action) failed its condition."""
        if index is None:
            return CONDITION_FAILED in self.reasons
        return index < len(self.reasons) and self.reasons[index] == CONDITION_FAILED


def transact(actions: list[dict], *, sleep=time.sleep, attempts: int = TRANSACT_ATTEMPTS) -> float:
    """TransactWriteItems of `put_action()`/`update_action()` dicts, all or nothing. Conflicts
    with concurrent transactions and throttling are retried with jittered backoff (the SDK
    does not retry them); a failed condition raises TransactionCancelled at once. Returns the
    write units consumed."""
    client = dynamodb_client()
    for attempt in range(attempts):
        last = attempt == attempts - 1
        try:
            answer = client.transact_write_items(TransactItems=actions, ReturnConsumedCapacity="TOTAL")
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code != "TransactionCanceledException":
                if code in _RETRYABLE_ERRORS and not last:
                    sleep(_backoff(attempt))
                    continue
                raise
            reasons = [_reason_code(r) for r in error.response.get("CancellationReasons", [])]
            if CONDITION_FAILED not in reasons and any(r in _RETRYABLE_REASONS for r in reasons) and not last:
                sleep(_backoff(attempt))
                continue
            raise TransactionCancelled(reasons) from error
        return sum(c.get("CapacityUnits", 0) for c in answer.get("ConsumedCapacity", []) or [])
    raise RuntimeError("unreachable")  # pragma: no cover


def _reason_code(reason: dict) -> str | None:
    code = reason.get("Code")
    return None if code in (None, "None") else code


def _backoff(attempt: int) -> float:
    """Full jitter: up to 25 ms, 50 ms, 100 ms... capped at 1 s."""
    return random.uniform(0, min(1.0, 0.025 * (2 ** attempt)))


def own_meta_required(cls: type[BaseModel]) -> None:
    """Each concrete model needs its own Meta, or configuring one table would rename another."""
    if "Meta" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} must declare its own Meta class")
