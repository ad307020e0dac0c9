"""Test data made through the real services, never through raw writes."""
from __future__ import annotations

from decimal import Decimal
from itertools import count

from portal.dynamo.tenants import REGISTERED
from portal.dynamo.users import OWNER
from portal.services.billing.products import product_create
from portal.services.billing.tenants import tenant_create
from portal.services.accounts.users import portal_user_create

PASSWORD = "correct-horse-battery-9"
_numbers = count(1)


def make_product(**overrides):
    n = next(_numbers)
    values = dict(actor="tests", name=f"Plan {n}", price=Decimal("49.00"), monthly_submissions=1000,
                  max_destinations=3, max_sites=3, retention_days=30)
    values.update(overrides)
    return product_create(**values)


def make_tenant(*, email: str | None = None, organization: str | None = None, status: str = REGISTERED,
                password: str = PASSWORD, product=None):
    """A tenant with its OWNER user; returns (tenant, user)."""
    n = next(_numbers)
    email = email or f"owner{n}@agency{n}.example"
    product = product or make_product()
    tenant = tenant_create(email=email, organization=organization or f"Agency {n}", actor="tests",
                           product_id=product.id, status=status)
    user = portal_user_create(tenant_id=tenant.id, email=email, password=password, role=OWNER, actor="tests")
    return tenant, user


def make_campaign(*, product=None, **overrides):
    """A campaign live today (unless dates are given) for a new or given product."""
    from datetime import timedelta

    from portal.dynamo.base import utcnow
    from portal.services.billing.campaigns import campaign_create

    n = next(_numbers)
    product = product or make_product()
    today = utcnow().date()
    values = dict(actor="tests", code=f"CODE-{n}", product_id=product.id, discount_percent=20,
                  from_date=today - timedelta(days=1), to_date=today + timedelta(days=30))
    values.update(overrides)
    return campaign_create(**values)


def stored_items() -> dict[str, list]:
    """Every stored item of every table but sessions (which also holds throttle counters),
    for tests proving that a refused request changed nothing."""
    from portal.dynamo import registry
    from portal.dynamo.expiring import SessionItem

    snapshot = {}
    for model in registry.TABLE_MODELS:
        if model is SessionItem:
            continue
        client = model._get_connection().connection.client
        items, kwargs = [], {"TableName": model.Meta.table_name}
        while True:
            page = client.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        snapshot[model.table_basename] = sorted(items, key=repr)
    return snapshot


def make_checkout(**overrides):
    """A self-service signup through the checkout service; returns (tenant, owner, order)."""
    from portal.services.billing.signup import checkout_place

    n = next(_numbers)
    values = dict(email=f"buyer{n}@shop{n}.example", password=PASSWORD, organization=f"Shop {n}", campaign_code=None)
    values.update(overrides)
    if "product_id" not in values:
        values["product_id"] = make_product().id
    return checkout_place(**values)
