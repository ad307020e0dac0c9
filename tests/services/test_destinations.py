"""Destination services: plan limit, settings validation, soft delete, secret rotation."""
from datetime import timedelta

import pytest

from portal.delivery.send import signing_secrets
from portal.dynamo.audit import AuditEntry
from portal.dynamo.base import utcnow
from portal.dynamo.destinations import EMAIL
from portal.selectors.access import access_destination
from portal.selectors.destinations import destination_list
from portal.services.delivery_setup.destinations import (
    InvalidDestination,
    PlanLimitReached,
    destination_delete,
    destination_secret_reveal,
    destination_secret_rotate,
)
from tests.factories.accounts import make_product, make_tenant
from tests.factories.delivery import make_destination


def test_refuses_past_plan_limit_and_writes_nothing(ddb):
    tenant, user = make_tenant(product=make_product(max_destinations=2))
    make_destination(tenant, user)
    make_destination(tenant, user)
    with pytest.raises(PlanLimitReached, match="Your plan allows 2 destinations"):
        make_destination(tenant, user, name="Third")
    assert len(destination_list(tenant_id=tenant.id)) == 2


def test_a_deleted_destination_frees_its_place_on_the_plan(ddb):
    tenant, user = make_tenant(product=make_product(max_destinations=1))
    first = make_destination(tenant, user)
    destination_delete(tenant=tenant, actor=user.email,
                       destination=access_destination(tenant=tenant, destination_id=first.id))
    second = make_destination(tenant, user, name="Replacement")
    assert [d.id for d in destination_list(tenant_id=tenant.id)] == [second.id]


def test_email_destination_keeps_cleaned_unique_recipients(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, type=EMAIL, url=None,
                                   recipients=[" Sales@Agency.example", "sales@agency.example", "ops@agency.example"])
    assert destination.recipients == ["sales@agency.example", "ops@agency.example"]
    assert destination.url is None


def test_invalid_settings_name_each_field(ddb):
    tenant, user = make_tenant()
    with pytest.raises(InvalidDestination) as refused:
        make_destination(tenant, user, url="ftp://x.example", headers={"Bad Name": "v"}, form_ids=["ok", "no spaces"])
    assert set(refused.value.errors) == {"url", "headers", "form_ids"}
    assert destination_list(tenant_id=tenant.id) == []


def test_rotation_keeps_the_old_secret_signing_for_24_hours_only(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user)
    old = destination_secret_reveal(tenant=tenant, actor=user.email,
                                    destination=access_destination(tenant=tenant, destination_id=destination.id))
    now = utcnow()
    new = destination_secret_rotate(tenant=tenant, actor=user.email,
                                    destination=access_destination(tenant=tenant, destination_id=destination.id),
                                    now=now)
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert destination_secret_reveal(tenant=tenant, actor=user.email, destination=stored) == new
    assert signing_secrets(stored, now=now + timedelta(hours=23)) == [new, old]
    assert signing_secrets(stored, now=now + timedelta(hours=24, seconds=1)) == [new]
    newest = destination_secret_rotate(tenant=tenant, actor=user.email,
                                       destination=access_destination(tenant=tenant, destination_id=destination.id),
                                       now=now + timedelta(hours=25))
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert signing_secrets(stored, now=now + timedelta(hours=25)) == [newest, new]
    assert len(stored.previousSecrets) == 1  # expired ones are dropped


def test_revealing_and_rotating_are_audited_without_the_secret(ddb):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user)
    secret = destination_secret_reveal(tenant=tenant, actor=user.email,
                                       destination=access_destination(tenant=tenant, destination_id=destination.id))
    destination_secret_rotate(tenant=tenant, actor=user.email,
                              destination=access_destination(tenant=tenant, destination_id=destination.id))
    trail = list(AuditEntry.in_tenant(tenant.id).query(AuditEntry.partition_for(tenant.id), scan_index_forward=False))
    actions = [e.action for e in trail]
    assert {"destination.create", "destination.secret_reveal", "destination.secret_rotate"} <= set(actions)
    assert all(secret not in str(e.serialize()) for e in trail)
