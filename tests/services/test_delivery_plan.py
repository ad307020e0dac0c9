from portal.dynamo.base import new_id
from portal.dynamo.destinations import Destination
from portal.services.ingest.delivery_plan import plan_deliveries


def _destination(tenant_id, *, form_ids=(), enabled=True, active=True):
    dest = Destination.in_tenant(tenant_id).new(id=new_id(), name="hook", url="https://hooks.example/x",
                                                 formIds=list(form_ids), enabled=enabled, active=active)
    dest.save()
    return dest


def test_one_pending_row_per_enabled_matching_destination(moto_ddb):
    everything = _destination("t1")
    contact_only = _destination("t1", form_ids=["contact"])
    _destination("t1", form_ids=["newsletter"])
    _destination("t1", enabled=False)
    _destination("t1", active=False)
    _destination("t2")  # another tenant's destination is never used
    rows = plan_deliveries(tenant_id="t1", submission_id="S1", form_id="contact")
    assert sorted(r.destinationId for r in rows) == sorted([everything.id, contact_only.id])
    assert all(r.status == "pending" and r.dueShard.startswith("DUE#") and r.tenantId == "t1" for r in rows)
