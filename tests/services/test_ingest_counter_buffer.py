"""Ingest's day counters written behind the requests (issue 10): summed per counter item in
the process, one UpdateItem per item per flush; a failed write keeps its counts; the waiting
items are bounded; the background thread writes within its interval; a process that exits
normally writes what it holds."""
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from portal.selectors.billing.plans import usage_month
from portal.services.ingest import store as ingest
from portal.services.ingest.store import submission_ingest
from portal.services.ingest.counters import DayCounterBuffer
from tests.conftest import INTEGRATION_PREFIX
from tests.factories.accounts import make_tenant
from tests.factories.ingest import counters_failing_once

NOW = datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def _ingest(tenant, n, form_id="contact"):
    return submission_ingest(tenant=tenant, form_id=form_id, fields={"n": str(n)}, meta={}, now=NOW,
                             idempotency_key=f"k-{n}", idempotency_scope="api-key-1")


def _used(tenant):
    return usage_month(tenant_id=tenant.id, today=NOW.date()).submissions


def test_buffered_counts_are_written_by_one_update_per_item_at_the_flush(ddb, settings, monkeypatch):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600  # only the test flushes
    tenant, _ = make_tenant()
    writes = []
    real_add = ingest.counters_add
    monkeypatch.setattr(ingest, "counters_add", lambda **kw: writes.append(kw["form_key"]) or real_add(**kw))
    for n in range(6):
        _ingest(tenant, n, form_id="contact" if n % 2 else "quote")
    assert writes == [] and _used(tenant) == 0  # nothing written by the requests
    ingest.counters_flush()
    assert sorted(writes) == ["contact", "quote"]  # two counter items, one write each
    assert _used(tenant) == 6


def test_a_failed_flush_keeps_its_counts_for_the_next(ddb, settings, monkeypatch):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600
    tenant, _ = make_tenant()
    failures = counters_failing_once(monkeypatch)
    _ingest(tenant, 1)
    _ingest(tenant, 2)
    ingest.counters_flush()
    assert failures and _used(tenant) == 0
    _ingest(tenant, 3)
    ingest.counters_flush()
    assert _used(tenant) == 3


def test_the_waiting_items_are_bounded(ddb, settings, monkeypatch):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600
    monkeypatch.setattr(DayCounterBuffer, "MAX_ITEMS", 3)
    tenant, _ = make_tenant()
    for n in range(8):  # eight counter items (one per form): never more than 3 wait
        _ingest(tenant, n, form_id=f"form-{n}")
        assert ingest._counters.waiting < 3
    ingest.counters_flush()
    assert _used(tenant) == 8


def test_the_background_thread_writes_within_its_interval(ddb, settings):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 0.2
    buffer = DayCounterBuffer(write=lambda **update: ingest._write_counters(**update))
    tenant, _ = make_tenant()
    buffer.add(tenant_id=tenant.id, at=NOW, shard=0, form_key="contact", site_id=None, counts={"submissions": 4},
               units={})
    deadline = time.monotonic() + 10
    while _used(tenant) != 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _used(tenant) == 4 and buffer.waiting == 0


def test_a_process_that_exits_normally_writes_the_counts_it_holds(ddb):
    tenant, _ = make_tenant()
    script = (
        "import django; django.setup()\n"
        "from datetime import datetime, timezone\n"
        "from portal.dynamo import registry\n"
        "from portal.dynamo.tenants import Tenant\n"
        "from portal.services.ingest.store import submission_ingest\n"
        f"registry.configure(prefix={INTEGRATION_PREFIX!r}, host={ddb!r}, region='us-east-1')\n"
        f"tenant = Tenant.by_id({tenant.id!r})\n"
        "for n in range(3):\n"
        "    submission_ingest(tenant=tenant, form_id='contact', fields={'n': str(n)}, meta={},\n"
        "                      now=datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "INGEST_COUNTERS_FLUSH_SECONDS": "3600",
           "DYNAMODB_ENDPOINT_URL": ddb}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _used(tenant) == 3  # written at exit, not by the hour-long interval
