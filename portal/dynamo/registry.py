"""Every model and every table, and the one place that points them at an endpoint."""
from __future__ import annotations

from portal.dynamo.connection.settings import CONNECTION_SETTINGS
from portal.dynamo.api_keys import ApiKey
from portal.dynamo.api_tokens import ApiToken
from portal.dynamo.audit import AuditEntry
from portal.dynamo.campaigns import Campaign
from portal.dynamo.costs import TenantMonthCost
from portal.dynamo.deliveries import Delivery, DeliveryAttempt
from portal.dynamo.destinations import Destination
from portal.dynamo.due_board import DueBoard
from portal.dynamo.metrics import DailyMetrics
from portal.dynamo.notices import Notice
from portal.dynamo.orders import Order
from portal.dynamo.privacy_jobs import PrivacyJob, PrivacyOpenJob
from portal.dynamo.products import Product
from portal.dynamo.expiring import EphemeralCounter, ReportMark, SessionItem
from portal.dynamo.inspector import InspectorRequest, InspectorSequence
from portal.dynamo.leads import LeadNote
from portal.dynamo.sites import Site
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant, TenantEmailGuard
from portal.dynamo.users import PortalUser

# The model that defines each table's keys, indexes and TTL (other models may share it).
TABLE_MODELS = [
    Tenant, Product, Campaign, Order, PortalUser, Site, ApiKey,
    Submission, Destination, Delivery, DailyMetrics, AuditEntry, SessionItem, ApiToken, Notice,
    TenantMonthCost,
]
ALL_MODELS = TABLE_MODELS + [TenantEmailGuard, DeliveryAttempt, EphemeralCounter, ReportMark,
                             InspectorRequest, InspectorSequence, PrivacyJob, PrivacyOpenJob, LeadNote, DueBoard]


DEFAULT_POOL_CONNECTIONS = 10  # botocore's own default: enough for a web process's threads


def configure(*, prefix: str, host: str | None, region: str, connect_timeout: float = 5,
              max_retry_attempts: int = 3, pool_connections: int = DEFAULT_POOL_CONNECTIONS) -> None:
    """Point every model at one endpoint and prefix. Call before first use, and again when
    tests switch between moto and DynamoDB Local (PynamoDB caches connections per class)."""
    local = bool(host)
    CONNECTION_SETTINGS.update(
        prefix=prefix,
        host=host,
        region=region,
        connect_timeout=connect_timeout,
        max_retry_attempts=max_retry_attempts,
        max_pool_connections=pool_connections,
        # DynamoDB Local accepts any credentials; AWS uses the normal credential chain.
        access_key="local" if local else None,
        secret_key="local" if local else None,
    )
    for model in ALL_MODELS:
        model.apply_connection_settings()


def pool_connections_at_least(connections: int) -> None:
    """Let each model's client keep `connections` HTTP connections open: one per thread that
    may call DynamoDB at once (botocore keeps 10 by default and logs "Connection pool is
    full, discarding connection" for every connection past that). Only grows; the clients
    are made again on their next use."""
    if connections <= CONNECTION_SETTINGS.get("max_pool_connections", DEFAULT_POOL_CONNECTIONS):
        return
    CONNECTION_SETTINGS["max_pool_connections"] = connections
    for model in ALL_MODELS:
        model.apply_connection_settings()
