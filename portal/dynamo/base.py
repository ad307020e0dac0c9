"""Shared plumbing for every table: naming, connection settings, timestamps, soft-delete
fields, the tenant scope guard, and a transaction helper that uses the models' endpoint."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterator

import botocore.loaders
import botocore.session
import pynamodb.connection.base as pynamodb_connection_base
from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import NUMBER
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite
from ulid import ULID

from portal.errors import ConcurrentEdit

# PynamoDB builds one botocore session per model and thread, and each new session parses the
# DynamoDB service description again (~0.1 s each, 13 tables). Share one loader instead.
_SHARED_LOADER = botocore.loaders.create_loader()


def _session_with_shared_loader() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.register_component("data_loader", _SHARED_LOADER)
    return session


pynamodb_connection_base.get_session = _session_with_shared_loader

# Filled by configure() in portal.dynamo.registry before the first request.
CONNECTION_SETTINGS: dict[str, Any] = {"host": None, "region": "us-east-1", "prefix": "formbridge-dev-"}


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
        cls.Meta.aws_access_key_id = CONNECTION_SETTINGS.get("access_key")
        cls.Meta.aws_secret_access_key = CONNECTION_SETTINGS.get("secret_key")
        # PynamoDB caches the connection on the class: drop it so the new settings apply.
        cls._connection = None


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
    def in_tenant(cls, tenant_id: str) -> "TenantScope":
        if not tenant_id:
            raise UnscopedTenantAccess("a tenant scope needs a tenant id")
        return TenantScope(cls, tenant_id)


class TenantScope:
    """Reads and creates items of one tenant-owned model for one tenant."""

    def __init__(self, model: type[TenantOwnedModel], tenant_id: str):
        self.model = model
        self.tenant_id = tenant_id

    def get(self, hash_key, range_key=None, **kwargs):
        """The item, or Model.DoesNotExist for "not found" and "not yours" alike."""
        item = self.model._unscoped_get(hash_key, range_key, **kwargs)
        if item.tenantId != self.tenant_id:
            raise self.model.DoesNotExist()
        return item

    def get_or_none(self, hash_key, range_key=None, **kwargs):
        try:
            return self.get(hash_key, range_key, **kwargs)
        except self.model.DoesNotExist:
            return None

    def query(self, hash_key, range_key_condition=None, filter_condition=None, index=None, **kwargs) -> Iterator:
        """Query the table or one of its indexes; a server-side filter on tenantId guarantees
        no other tenant's item is ever returned, whatever key the caller built."""
        own = self.model.tenantId == self.tenant_id
        if index is not None:
            kwargs["index_name"] = index.Meta.index_name
            if index._hash_key_attribute().attr_name == "tenantId":
                # DynamoDB refuses a filter on an index key: the key condition scopes instead,
                # and another tenant's id as the key finds nothing.
                if hash_key != self.tenant_id:
                    return iter(())
                own = None
        condition = own if filter_condition is None else (filter_condition if own is None else own & filter_condition)
        return self.model._unscoped_query(
            hash_key, range_key_condition=range_key_condition, filter_condition=condition, **kwargs
        )

    def batch_get(self, keys, **kwargs) -> Iterator:
        """BatchGetItem of (hash, range) keys (any number: PynamoDB pages by 100 and retries
        unprocessed keys). Missing items and other tenants' items are left out alike; the
        order is DynamoDB's, not the keys'."""
        for item in Model.batch_get.__func__(self.model, keys, **kwargs):
            if item.tenantId == self.tenant_id:
                yield item

    def new(self, **attributes):
        return self.model(tenantId=self.tenant_id, **attributes)


def _connection() -> Connection:
    return Connection(
        host=CONNECTION_SETTINGS["host"],
        region=CONNECTION_SETTINGS["region"],
        aws_access_key_id=CONNECTION_SETTINGS.get("access_key"),
        aws_secret_access_key=CONNECTION_SETTINGS.get("secret_key"),
    )


def transact_write(**kwargs) -> TransactWrite:
    """TransactWrite ignores Meta.host: give it a connection to the same endpoint."""
    return TransactWrite(connection=_connection(), **kwargs)


def transact_get(**kwargs) -> TransactGet:
    return TransactGet(connection=_connection(), **kwargs)


def low_level_connection() -> Connection:
    """For expressions PynamoDB's models cannot express (ADD on dynamic top-level counters)."""
    return _connection()


def own_meta_required(cls: type[BaseModel]) -> None:
    """Each concrete model needs its own Meta, or configuring one table would rename another."""
    if "Meta" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} must declare its own Meta class")


def is_condition_failure(error: PynamoDBException) -> bool:
    if isinstance(error, TransactWriteError):
        reasons = error.cancellation_reasons or []
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def save_versioned(item, *, condition=None) -> None:
    """Save an item carrying a VersionAttribute; a stale copy raises ConcurrentEdit and writes nothing."""
    try:
        item.save(condition=condition)
    except (PutError, UpdateError) as error:
        if is_condition_failure(error):
            raise ConcurrentEdit() from error
        raise
