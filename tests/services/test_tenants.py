"""Tenants on DynamoDB Local: seed 004's access patterns, the lifecycle, e-mail changes,
soft delete, and staff-created tenants with their owner's invitation."""
import re
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail, signing

from portal.dynamo.audit import AuditEntry
from portal.dynamo.orders import Order
from portal.dynamo.sites import Site
from portal.dynamo.tenants import REGISTERED, SUSPENDED, UNVALIDATED, VALIDATED, TenantEmailGuard
from portal.dynamo.users import OWNER, PortalUser
from portal.errors import ConcurrentEdit, LoginRefused, NotFound
from portal.selectors.access import access_tenant
from portal.selectors.pagination import BadCursor
from portal.selectors.billing.tenants import (tenant_get_by_email, tenant_list, tenant_list_by_status, tenant_orders, tenant_sites,
                                      tenant_status_counts, tenant_users)
from portal.services.accounts.auth import portal_authenticate
from portal.services.billing.tenants import (EmailTaken, InvitationInvalid, TransitionRefused, invitation_accept,
                                     invitation_user, tenant_create, tenant_delete,
                                     tenant_restore, tenant_staff_create, tenant_status_change,
                                     tenant_update)
from portal.services.accounts.users import portal_user_create
from tests.factories.accounts import PASSWORD, make_product, make_tenant

pytestmark = pytest.mark.django_db


def _guard_owner(email: str) -> str | None:
    try:
        return TenantEmailGuard.get(TenantEmailGuard.key_for(email), "UNIQUE").tenantId
    except TenantEmailGuard.DoesNotExist:
        return None


def _edit(tenant, **changes):
    values = dict(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version, email=tenant.email,
                  organization=tenant.organization, destination_email=tenant.destinationEmail,
                  product_id=tenant.productId, campaign_code=tenant.campaignCode)
    values.update(changes)
    return tenant_update(**values)


def test_get_by_id_and_by_email(ddb):
    tenant, _ = make_tenant(email="Owner@Agency.example", organization="Agency")
    assert access_tenant(tenant_id=tenant.id).organization == "Agency"
    assert tenant_get_by_email(email=" OWNER@agency.example ").id == tenant.id
    assert tenant_get_by_email(email="nobody@agency.example") is None
    with pytest.raises(NotFound):
        access_tenant(tenant_id="missing")


def test_list_all_is_paginated_newest_first_and_skips_deleted(ddb):
    first, _ = make_tenant(organization="First")
    second, _ = make_tenant(organization="Second")
    third, _ = make_tenant(organization="Third")
    tenant_delete(tenant=access_tenant(tenant_id=second.id), actor="alice")
    page = tenant_list(limit=1)
    assert [t.organization for t in page] == ["Third"] and page.next_cursor
    assert [t.organization for t in tenant_list(cursor=page.next_cursor, limit=1)] == ["First"]
    with pytest.raises(BadCursor):
        tenant_list_by_status(status=REGISTERED, cursor=page.next_cursor)


def test_list_by_status_and_count_per_status(ddb):
    make_tenant(status=UNVALIDATED, organization="U1")
    make_tenant(status=UNVALIDATED, organization="U2")
    make_tenant(status=REGISTERED, organization="R1")
    assert [t.organization for t in tenant_list_by_status(status=UNVALIDATED)] == ["U2", "U1"]
    assert tenant_status_counts() == {UNVALIDATED: 2, VALIDATED: 0, REGISTERED: 1, SUSPENDED: 0}


def test_lifecycle_goes_unvalidated_validated_registered(ddb):
    tenant, _ = make_tenant(status=UNVALIDATED)
    tenant = tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version,
                                  to_status=VALIDATED)
    tenant = tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version,
                                  to_status=REGISTERED)
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.status == REGISTERED and stored.lastUpdatedBy == "alice"
    trail = [e.action for e in AuditEntry.in_tenant(tenant.id).query(AuditEntry.partition_for(tenant.id))]
    assert trail.count("tenant.status") == 2


@pytest.mark.parametrize("start, target, message", [
    (UNVALIDATED, REGISTERED, "cannot go from UNVALIDATED to REGISTERED"),
    (REGISTERED, VALIDATED, "cannot go from REGISTERED to VALIDATED"),
    (VALIDATED, UNVALIDATED, "cannot go from VALIDATED to UNVALIDATED"),
    (REGISTERED, REGISTERED, "cannot go from REGISTERED to REGISTERED"),
])
def test_other_transitions_are_refused_and_change_nothing(ddb, start, target, message):
    tenant, _ = make_tenant(status=start)
    with pytest.raises(TransitionRefused, match=message):
        tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version,
                             to_status=target)
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.status == start and stored.version == tenant.version


def test_suspend_needs_a_reason_and_reactivate_returns_to_the_state_before(ddb):
    tenant, user = make_tenant(status=VALIDATED)
    with pytest.raises(TransitionRefused, match="reason"):
        tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version,
                             to_status=SUSPENDED, reason="  ")
    suspended = tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version,
                                     to_status=SUSPENDED, reason="Unpaid invoice")
    assert (suspended.status, suspended.statusBeforeSuspension) == (SUSPENDED, VALIDATED)
    # Issue 6: a suspended tenant's users still sign in, to a read-only portal.
    assert portal_authenticate(email=user.email, password=PASSWORD, ip="1.2.3.4")[1].status == SUSPENDED
    with pytest.raises(TransitionRefused, match="only be reactivated to the state it had before, VALIDATED"):
        tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=suspended.version,
                             to_status=REGISTERED)
    reactivated = tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="bob", version=suspended.version,
                                       to_status=VALIDATED)
    assert (reactivated.status, reactivated.suspensionReason, reactivated.statusBeforeSuspension) == (VALIDATED, None, None)
    entry = next(AuditEntry.in_tenant(tenant.id).query(AuditEntry.partition_for(tenant.id),
                                                       filter_condition=AuditEntry.action == "tenant.suspend"))
    assert entry.detail == "Unpaid invoice" and entry.before["status"] == VALIDATED and entry.after["status"] == SUSPENDED


def test_changing_the_email_moves_the_guard_in_one_transaction(ddb):
    tenant, _ = make_tenant(email="old@agency.example")
    _edit(tenant, email="New@Agency.example")
    assert access_tenant(tenant_id=tenant.id).email == "new@agency.example"
    assert _guard_owner("new@agency.example") == tenant.id and _guard_owner("old@agency.example") is None
    assert tenant_get_by_email(email="new@agency.example").id == tenant.id
    other = tenant_create(email="old@agency.example", organization="Reuses the freed address", actor="tests")
    assert _guard_owner("old@agency.example") == other.id


def test_taking_another_tenants_email_is_refused_and_changes_nothing(ddb):
    tenant, _ = make_tenant(email="mine@agency.example", organization="Mine")
    make_tenant(email="theirs@agency.example")
    with pytest.raises(EmailTaken):
        _edit(tenant, email="theirs@agency.example", organization="Renamed")
    stored = access_tenant(tenant_id=tenant.id)
    assert (stored.email, stored.organization, stored.version) == ("mine@agency.example", "Mine", tenant.version)
    assert _guard_owner("mine@agency.example") == tenant.id


def test_second_edit_from_the_same_version_is_refused_and_overwrites_nothing(ddb):
    tenant, _ = make_tenant(organization="Start")
    _edit(tenant, organization="First editor")
    with pytest.raises(ConcurrentEdit, match="changed by someone else"):
        _edit(tenant, organization="Second editor", email="second@agency.example")
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.organization == "First editor" and _guard_owner("second@agency.example") is None


def test_soft_delete_stops_sign_in_and_restore_allows_it_again(ddb):
    tenant, user = make_tenant()
    tenant_delete(tenant=access_tenant(tenant_id=tenant.id), actor="alice", version=tenant.version)
    assert access_tenant(tenant_id=tenant.id).active is False
    with pytest.raises(LoginRefused, match="closed"):
        portal_authenticate(email=user.email, password=PASSWORD, ip="1.2.3.4")
    tenant_restore(tenant=access_tenant(tenant_id=tenant.id), actor="alice")
    assert portal_authenticate(email=user.email, password=PASSWORD, ip="1.2.3.4")[1].id == tenant.id


def test_detail_lists_users_and_sites_through_their_indexes(ddb):
    tenant, owner = make_tenant()
    other, _ = make_tenant()
    portal_user_create(tenant_id=tenant.id, email="member@agency.example", password=None, actor="tests")
    for domain, owner_id in (("a.example", tenant.id), ("b.example", other.id)):
        Site.in_tenant(owner_id).new(id=domain, domain=domain).save()  # no site service yet
    assert sorted(u.email for u in tenant_users(tenant_id=tenant.id)) == sorted([owner.email, "member@agency.example"])
    assert [s.domain for s in tenant_sites(tenant_id=tenant.id)] == ["a.example"]


def test_orders_are_listed_newest_first_with_their_snapshot(ddb):
    tenant, _ = make_tenant()
    for order_id, price in (("01A", "10.00"), ("01B", "12.00")):  # checkout is another issue's work
        Order.in_tenant(tenant.id).new(pk=Order.partition_for(tenant.id), sk=Order.sort_for(order_id), id=order_id,
                                       productSnapshot={"name": "Plan", "price": price}, price=Decimal(price),
                                       currency="EUR").save()
    orders = tenant_orders(tenant_id=tenant.id)
    assert [(o.id, o.price, o.productSnapshot["price"]) for o in orders] == [("01B", Decimal("12.00"), "12.00"),
                                                                            ("01A", Decimal("10.00"), "10.00")]


def _invitation_link() -> str:
    return re.search(r"http\S+/invite/(\S+)/", mail.outbox[-1].body).group(1)


def test_staff_created_tenant_gets_an_owner_without_password_and_an_invitation(ddb, settings):
    product = make_product()
    tenant, owner = tenant_staff_create(actor="alice", email="Boss@New.example", organization="New Agency",
                                        owner_name="Boss", product_id=product.id)
    stored = PortalUser.lookup_for_login("boss@new.example")
    assert stored.tenantId == tenant.id and stored.role == OWNER and stored.passwordHash == "!"
    assert access_tenant(tenant_id=tenant.id).productId == product.id
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@new.example"]
    assert settings.SITE_URL + "/invite/" in mail.outbox[0].body
    assert invitation_user(token=_invitation_link()).email == "boss@new.example"


def test_staff_create_with_a_taken_email_writes_nothing_and_sends_nothing(ddb):
    make_tenant(email="taken@agency.example")
    with pytest.raises(EmailTaken):
        tenant_staff_create(actor="alice", email="taken@agency.example", organization="Dup")
    assert mail.outbox == [] and tenant_status_counts()[UNVALIDATED] == 0


def test_invitation_sets_the_password_once(ddb):
    tenant_staff_create(actor="alice", email="boss@new.example", organization="New Agency")
    token = _invitation_link()
    invitation_accept(token=token, password="a-brand-new-password-1")
    user = PortalUser.lookup_for_login("boss@new.example")
    assert check_password("a-brand-new-password-1", user.passwordHash) and user.emailVerifiedAt
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=token, password="someone-else-again-2")
    assert check_password("a-brand-new-password-1", PortalUser.lookup_for_login("boss@new.example").passwordHash)


def test_invitation_expires_after_seven_days(ddb, monkeypatch):
    tenant_staff_create(actor="alice", email="boss@new.example", organization="New Agency")
    token = _invitation_link()
    later = time.time() + 7 * 24 * 3600 + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    with pytest.raises(InvitationInvalid):
        invitation_user(token=token)


def test_invitation_of_a_deleted_tenant_is_refused(ddb):
    tenant, _ = tenant_staff_create(actor="alice", email="boss@new.example", organization="New Agency")
    tenant_delete(tenant=access_tenant(tenant_id=tenant.id), actor="alice")
    with pytest.raises(InvitationInvalid):
        invitation_user(token=_invitation_link())
