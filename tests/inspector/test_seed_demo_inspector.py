"""`make run`'s first start: seed_demo (DEBUG) gives the first demo tenant one webhook destination
posting to the built-in inspector, and every stored demo submission a delivery row to it, so
the worker delivers them. Run as an operator runs it (a subprocess), twice."""
import os
import subprocess
import sys
from pathlib import Path

from portal.dynamo.deliveries import submission_rows
from portal.dynamo.submissions import Submission
from portal.dynamo.users import PortalUser
from portal.selectors.destinations import destination_list
from portal.services.ingest.delivery_plan import tenant_destinations
from portal.services.delivery_setup.inspector import is_inspector_url

ROOT = Path(__file__).resolve().parents[2]


def _seed(env):
    return subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "DJANGO_SETTINGS_MODULE": "formbridge.settings",
                                            "DJANGO_DEBUG": "true", **env})


def test_seed_demo_twice_gives_one_inspector_destination_with_every_submission_planned(ddb, tmp_path):
    env = {"DYNAMODB_ENDPOINT_URL": ddb, "DYNAMODB_TABLE_PREFIX": "test-",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}"}
    assert subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, timeout=120,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "formbridge.settings", "DJANGO_DEBUG": "true",
                               **env}).returncode == 0
    first = _seed(env)
    assert first.returncode == 0, first.stderr
    assert "demo destination: http://127.0.0.1:8000/dev/inspector/" in first.stdout
    again = _seed(env)
    assert again.returncode == 0, again.stderr
    assert "demo destination" not in again.stdout

    tenant_id = PortalUser.lookup_for_login("owner@northwind.example").tenantId
    (destination,) = destination_list(tenant_id=tenant_id)
    assert is_inspector_url(tenant_id=tenant_id, url=destination.url)
    assert destination.url.startswith("http://127.0.0.1:8000/")
    submissions = [s for s in Submission._unscoped_scan() if s.tenantId == tenant_id]
    assert len(submissions) == 60
    for submission in submissions:
        if submission.spam:
            continue
        rows, _ = submission_rows(tenant_id, submission.id)
        assert [r.destinationId for r in rows] == [destination.id], submission.id
    other = PortalUser.lookup_for_login("owner@bluepeak.example").tenantId
    assert tenant_destinations(tenant_id=other) == []  # only the first demo tenant


def test_a_deleted_demo_destination_is_not_brought_back(ddb, tmp_path):
    from portal.services.delivery_setup.destinations import destination_delete
    from portal.services.delivery_setup.inspector import inspector_destination_ensure
    from tests.factories.accounts import make_tenant

    tenant, user = make_tenant()
    destination, _ = inspector_destination_ensure(tenant=tenant, actor=user.email)
    destination_delete(tenant=tenant, actor=user.email, destination=destination)
    again, created = inspector_destination_ensure(tenant=tenant, actor=user.email)
    assert not created and destination_list(tenant_id=tenant.id) == []
