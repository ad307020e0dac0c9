"""Products on DynamoDB Local: seed 004's access patterns and the staff rules."""
from decimal import Decimal

import pytest

from portal.dynamo.audit import AuditEntry
from portal.errors import ConcurrentEdit, NotFound
from portal.selectors.access import access_product
from portal.selectors.pagination import BadCursor
from portal.selectors.billing.products import product_list
from portal.services.billing.products import product_delete, product_restore, product_update
from tests.factories.accounts import make_product


def _update(product, **changes):
    values = dict(actor="alice", product=access_product(product_id=product.id), version=product.version,
                  name=product.name,
                  price=product.price, currency=product.currency, billing_cycle=product.billingCycle,
                  description=product.description, features=list(product.features),
                  monthly_submissions=product.quotas.monthlySubmissions,
                  max_destinations=product.quotas.maxDestinations, max_sites=product.quotas.maxSites,
                  retention_days=product.quotas.retentionDays)
    values.update(changes)
    return product_update(**values)


def test_get_by_id_returns_the_decimal_price_exactly(ddb):
    created = make_product(name="Agency", price=Decimal("19.99"), features=["Webhooks", "E-mail"])
    product = access_product(product_id=created.id)
    assert product.name == "Agency" and product.price == Decimal("19.99") and isinstance(product.price, Decimal)
    assert product.features == ["Webhooks", "E-mail"]


def test_get_unknown_product_raises_not_found(ddb):
    with pytest.raises(NotFound):
        access_product(product_id="nope")


def test_list_active_is_newest_first_and_paginates_with_a_signed_cursor(ddb):
    for name in ("A", "B", "C"):
        make_product(name=name)
    page = product_list(active=True, limit=2)
    assert [p.name for p in page] == ["C", "B"] and page.next_cursor
    rest = product_list(active=True, cursor=page.next_cursor, limit=2)
    assert [p.name for p in rest] == ["A"] and rest.next_cursor is None
    with pytest.raises(BadCursor):
        product_list(active=False, cursor=page.next_cursor, limit=2)


def test_update_changes_fields_records_the_staff_user_and_audits_before_and_after(ddb):
    product = make_product(name="Old", price=Decimal("10.00"))
    updated = _update(product, name="New", price=Decimal("12.50"), features=["SLA"])
    stored = access_product(product_id=product.id)
    assert (stored.name, stored.price, stored.features, stored.lastUpdatedBy) == ("New", Decimal("12.50"), ["SLA"],
            "alice")
    assert stored.dateLastUpdated > product.dateCreated and stored.version == updated.version == 2
    entry = next(AuditEntry.staff_log(filter_condition=AuditEntry.action == "product.update"))
    assert entry.actor == "alice" and entry.targetId == product.id
    assert entry.before["price"] == "10.00" and entry.after["price"] == "12.50"


def test_second_edit_from_the_same_version_is_refused_and_overwrites_nothing(ddb):
    product = make_product(name="Start")
    _update(product, name="First editor")
    with pytest.raises(ConcurrentEdit, match="changed by someone else"):
        _update(product, name="Second editor")
    assert access_product(product_id=product.id).name == "First editor"


def test_soft_delete_moves_the_product_to_the_deleted_list_and_restore_brings_it_back(ddb):
    product = make_product(name="Gone")
    product_delete(actor="alice", product=access_product(product_id=product.id), version=product.version)
    assert [p.name for p in product_list(active=False)] == ["Gone"] and not product_list(active=True).items
    assert access_product(product_id=product.id).active is False
    product_restore(actor="bob", product=access_product(product_id=product.id))
    restored = access_product(product_id=product.id)
    assert restored.active is True and restored.lastUpdatedBy == "bob"
    actions = [e.action for e in AuditEntry.staff_log()]
    assert actions[:2] == ["product.restore", "product.delete"]


def test_a_products_audit_page_holds_only_its_own_entries_across_pages(ddb):
    from portal.selectors.audit import audit_target_page

    product = make_product(name="Audited")
    make_product(name="Other")
    product = _update(product, name="Audited 2")
    make_product(name="Another")
    _update(product, name="Audited 3")
    first = audit_target_page(target_type="product", target_id=product.id, limit=2)
    assert [e.action for e in first] == ["product.update", "product.update"] and first.next_cursor
    rest = audit_target_page(target_type="product", target_id=product.id, cursor=first.next_cursor, limit=2)
    assert [e.action for e in rest] == ["product.create"]
    assert [c.field for c in first.items[0].changes] == ["name"]
