"""Every model and every table, and the one place that points them at an endpoint."""
from __future__ import annotations

from . import base
from .api_keys import ApiKey
from .api_tokens import ApiToken
from .audit import AuditEntry
from .campaigns import Campaign
from .deliveries import Delivery, DeliveryAttempt
from .destinations import Destination
from .metrics import DailyMetrics
from .notices import Notice
from .orders import Order
from .privacy_jobs import PrivacyJob, PrivacyOpenJob
from .products import Product
from .expiring import EphemeralCounter, SessionItem
from .inspector import InspectorRequest, InspectorSequence
from .sites import Site
from .submissions import Submission
from .tenants import Tenant, TenantEmailGuard
from .users import PortalUser

# The model that defines each table's keys, indexes and TTL (other models may share it).
TABLE_MODELS = [
    Tenant, Product, Campaign, Order, PortalUser, Site, ApiKey,
    Submission, Destination, Delivery, DailyMetrics, AuditEntry, SessionItem, ApiToken, Notice,
]
ALL_MODELS = TABLE_MODELS + [TenantEmailGuard, DeliveryAttempt, EphemeralCounter,
                             InspectorRequest, InspectorSequence, PrivacyJob, PrivacyOpenJob]


def configure(*, prefix: str, host: str | None, region: str, connect_timeout: float = 5,
              max_retry_attempts: int = 3) -> None:
    """Point every model at one endpoint and prefix. Call before first use, and again when
    tests switch between moto and DynamoDB Local (PynamoDB caches connections per class)."""
    local = bool(host)
    base.CONNECTION_SETTINGS.update(
        prefix=prefix,
        host=host,
        region=region,
        connect_timeout=connect_timeout,
        max_retry_attempts=max_retry_attempts,
        # DynamoDB Local accepts any credentials; AWS uses the normal credential chain.
        access_key="local" if local else None,
        secret_key="local" if local else None,
    )
    for model in ALL_MODELS:
        model.apply_connection_settings()
