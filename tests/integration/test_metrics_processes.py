"""Metrics across real processes: gunicorn with two workers sharing one multiprocess
directory (any worker's scrape gives the totals of both, also after a worker dies), and the
delivery worker serving its own metrics on --metrics-port. Both against DynamoDB Local."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from portal import dynamodb_local
from tests.conftest import INTEGRATION_PREFIX
from tests.factories.accounts import make_tenant
from tests.factories.delivery import Receiver, make_destination, make_submission_with_deliveries
from tests.factories.ingest import make_key
from tests.observability.helpers import TOKEN, samples, value

ROOT = Path(__file__).resolve().parents[2]


def _env(endpoint: str, workdir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PROMETHEUS_MULTIPROC_DIR")}
    return {**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "DYNAMODB_ENDPOINT_URL": endpoint,
            "DYNAMODB_TABLE_PREFIX": INTEGRATION_PREFIX, "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}",
            "DJANGO_DEBUG": "true", "METRICS_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1", **extra}


def _wait_until_answering(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited")
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within 30 s")


def _scrape(url: str, token: str | None = TOKEN) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return samples(response.read().decode())


def _ingest(base: str, raw_key: str) -> int:
    body = json.dumps({"form_id": "contact", "fields": {"email": "a@example.com"}}).encode()
    request = urllib.request.Request(f"{base}/api/v1/submissions", data=body, method="POST", headers={
        "Authorization": f"Bearer {raw_key}", "Content-Type": "application/json", "Connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.fixture
def gunicorn(ddb, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale from an earlier run")
    port = dynamodb_local.free_port()
    log_path = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "formbridge.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logformat", "%(p)s %(r)s %(s)s"],
        env=_env(ddb, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)), cwd=ROOT,
        stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(f"{base}/metrics", process, "gunicorn")
        yield base, process, metrics_dir, log_path
    finally:
        process.terminate()
        process.wait(timeout=15)


def _ingest_pids(log_path: Path) -> Counter:
    """Which gunicorn worker answered each ingest, from the access log (pid first)."""
    lines = [line.split() for line in log_path.read_text().splitlines() if "/api/v1/submissions" in line]
    return Counter(parts[0].strip("<>") for parts in lines if parts and parts[0].strip("<>").isdigit())


def test_two_gunicorn_workers_add_up_in_every_scrape_and_after_one_dies(gunicorn):
    base, process, metrics_dir, log_path = gunicorn
    assert not (metrics_dir / "counter_999999.db").exists()  # emptied at start
    tenant, _ = make_tenant()
    _, raw = make_key(tenant)
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(6):  # bursts until both workers have answered some
            sent += sum(1 for status in pool.map(lambda _: _ingest(base, raw), range(8)) if status == 202)
            time.sleep(0.2)
            if len(_ingest_pids(log_path)) >= 2:
                break
    served = _ingest_pids(log_path)
    assert len(served) == 2 and sum(served.values()) == sent
    for _ in range(4):  # whichever worker answers the scrape, it gives both workers' total
        found = _scrape(f"{base}/metrics")
        assert value(found, "formbridge_ingest_requests_total", endpoint="api", status="202") == sent
        assert value(found, "formbridge_ingest_duration_seconds_count", endpoint="api") == sent
        assert value(found, "formbridge_dynamodb_requests_total", operation="TransactWriteItems", outcome="ok") >= sent
    # A worker that dies keeps its counts; gunicorn starts another in its place.
    victim = int(next(iter(served)))
    os.kill(victim, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if len(workers) == 2 and str(victim) not in workers:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("gunicorn did not replace the worker")
    assert value(_scrape(f"{base}/metrics"), "formbridge_ingest_requests_total", endpoint="api", status="202") == sent
    with pytest.raises(urllib.error.HTTPError) as refused:
        _scrape(f"{base}/metrics", token="wrong")
    assert refused.value.code == 401


def test_the_delivery_worker_serves_its_own_metrics_port(ddb, tmp_path):
    with Receiver() as receiver:
        tenant, user = make_tenant()
        make_destination(tenant, user, url=receiver.url)
        make_submission_with_deliveries(tenant)
        port = dynamodb_local.free_port()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "deliver", "--poll", "0.2", "--metrics-port", str(port)],
            env=_env(ddb, tmp_path), cwd=ROOT, stdout=open(tmp_path / "worker.log", "wb"), stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            _wait_until_answering(url, process, "the delivery worker")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                found = _scrape(url, token=None)
                if value(found, "formbridge_delivery_attempts_total", channel="webhook", outcome="delivered") == 1:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError((tmp_path / "worker.log").read_text())
            assert value(found, "formbridge_delivery_duration_seconds_count", channel="webhook") == 1
            assert value(found, "formbridge_worker_passes_total") >= 1
            assert ("formbridge_due_queue_depth", ()) in found
            assert len(receiver.received) == 1
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_the_worker_refuses_to_share_the_web_multiprocess_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "deliver", "--once", "--metrics-port", "1"],
        env=_env("http://127.0.0.1:9", tmp_path, PROMETHEUS_MULTIPROC_DIR=str(tmp_path)), cwd=ROOT,
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Unset PROMETHEUS_MULTIPROC_DIR" in result.stderr
