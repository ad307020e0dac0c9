"""maxDestinations is bounded so one ingest transaction carries every delivery row (issue 10):
a plan cannot allow more, and a tenant at the bound still ingests, with an Idempotency-Key."""
from portal.dynamo.deliveries import submission_rows
from portal.forms.staff import ProductForm
from portal.selectors.billing import plans
from portal.selectors.billing.plans import MAX_DESTINATIONS, plan_quotas
from portal.services.ingest.store import submission_ingest
from tests.factories.accounts import make_product, make_tenant
from tests.factories.delivery import make_destination


def test_a_tenant_past_the_destination_bound_still_ingests_up_to_the_bound(ddb, monkeypatch):
    # Past the bound only through history (a plan allowed more before the bound existed).
    tenant, user = make_tenant(product=make_product(max_destinations=500))
    monkeypatch.setattr(plans, "MAX_DESTINATIONS", 500)
    made = [make_destination(tenant, user, name=f"Receiver {n}") for n in range(MAX_DESTINATIONS + 8)]
    monkeypatch.undo()
    result = submission_ingest(tenant=tenant, form_id="contact", fields={"a": "b"}, meta={},
                               idempotency_key="past-the-bound", idempotency_scope="key-1")
    rows, _ = submission_rows(tenant.id, result.submission_id)
    assert sorted(r.destinationId for r in rows) == sorted(d.id for d in made)[:MAX_DESTINATIONS]


def test_plans_cannot_allow_more_destinations_than_one_transaction_carries(ddb):
    tenant, _ = make_tenant(product=make_product(max_destinations=500))
    assert plan_quotas(tenant=tenant).max_destinations == MAX_DESTINATIONS
    form = ProductForm(data={"max_destinations": MAX_DESTINATIONS + 1})
    assert not form.is_valid() and "max_destinations" in form.errors
