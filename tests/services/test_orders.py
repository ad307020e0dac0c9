"""Order history (the month's usage against the plan is tested in tests/selectors/test_plans.py)."""
from portal.selectors.billing.orders import order_list
from tests.factories.accounts import make_checkout


def test_order_history_shows_only_this_tenants_orders(ddb):
    mine, _, order = make_checkout()
    make_checkout()
    page = order_list(tenant_id=mine.id)
    assert [o.id for o in page.items] == [order.id]

