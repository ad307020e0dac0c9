"""The worker under faults: DynamoDB Local stopped under a running `manage.py deliver` and
started again; a one-off pass while a destination is dead; botocore's connection pool sized
to the worker's threads."""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from portal import dynamodb_local
from portal.delivery import worker
from portal.delivery.dispatch import PIPELINE, READ_AT_ONCE, Dispatcher
from portal.dynamo import registry
from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.dynamo.operations import migrate
from tests.factories.accounts import make_tenant
from tests.factories.delivery import Receiver, delivery_row, make_destination, make_submission_with_deliveries

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "outage-"


def _env(endpoint: str, workdir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PROMETHEUS_MULTIPROC_DIR")}
    return {**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "DYNAMODB_ENDPOINT_URL": endpoint,
            "DYNAMODB_TABLE_PREFIX": PREFIX, "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}",
            "DJANGO_DEBUG": "true", "PYTHONUNBUFFERED": "1", **extra}


def test_the_worker_outlives_ten_seconds_without_dynamodb_and_delivers_every_row(tmp_path):
    port = dynamodb_local.free_port()
    endpoint, data = f"http://127.0.0.1:{port}", tmp_path / "dynamodb"  # on disk: the restart keeps the data
    dynamo = dynamodb_local.start(port=port, db_path=data)
    process = None
    try:
        registry.configure(prefix=PREFIX, host=endpoint, region="us-east-1")
        migrate.apply(log=lambda line: None)
        with Receiver(mode="slow", delay=0.1) as receiver:
            tenant, user = make_tenant()
            destination = make_destination(tenant, user, url=receiver.url)
            submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(40)]
            log_path = tmp_path / "worker.log"
            process = subprocess.Popen(
                [sys.executable, "manage.py", "deliver", "--concurrency", "2", "--poll", "0.5", "--no-sweep"],
                env=_env(endpoint, tmp_path, DELIVERY_TIMEOUT_SECONDS="1"), cwd=ROOT,
                stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 60
            while len(receiver.received) < 5:
                assert time.monotonic() < deadline and process.poll() is None, log_path.read_text()
                time.sleep(0.05)
            dynamodb_local.stop(dynamo)
            time.sleep(10)
            assert process.poll() is None, log_path.read_text()  # alive through the outage
            assert len(receiver.received) < len(submissions)  # rows were still due when it went
            dynamo = dynamodb_local.start(port=port, db_path=data)
            # Claims applied just before the stop but never answered wait for their lease (31 s here).
            deadline = time.monotonic() + 90
            expected = {f"msg_{s.id}_{destination.id}" for s in submissions}
            while {hit.headers["webhook-id"] for hit in receiver.received} != expected:
                assert time.monotonic() < deadline and process.poll() is None, log_path.read_text()
                time.sleep(0.2)
            deadline = time.monotonic() + 30
            while not all(delivery_row(s, destination).status == "delivered" for s in submissions):
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            log = log_path.read_text()
            # It said so and backed off: the loop when a fetch or claim failed ("looking again in"),
            # or the attempts in hand when every slot was busy keeping an outcome ("trying again in").
            assert re.search(r"(looking|trying) again in \d", log), log[-2000:]
            sent = Counter(hit.headers["webhook-id"] for hit in receiver.received)
            # Outcomes kept in hand through the outage: nothing it had sent is sent again.
            assert set(sent.values()) == {1}, sent.most_common(3)
            process.terminate()
            assert process.wait(timeout=30) == 0
    finally:
        if process is not None and process.poll() is None:
            process.kill()
        dynamodb_local.stop(dynamo)


def test_a_pass_leaves_rows_behind_an_open_breaker_for_a_later_pass_and_ends(ddb, settings):
    settings.DELIVERY_TIMEOUT_SECONDS = 1
    tenant, user = make_tenant()
    dead = make_destination(tenant, user, url=f"http://127.0.0.1:{dynamodb_local.free_port()}/hook")  # closed port
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(30)]
    finished = threading.Event()

    def one_pass():
        worker.run_once(worker_id="once", concurrency=4)
        finished.set()

    started = time.monotonic()
    threading.Thread(target=one_pass, daemon=True).start()
    assert finished.wait(30), "the pass did not end"
    assert time.monotonic() - started < 30
    rows = [delivery_row(s, dead) for s in submissions]
    assert all(row.status == "pending" and row.leaseOwner is None for row in rows)  # held, nothing lost
    assert sum(int(row.attemptCount) for row in rows) < len(rows)  # most were never tried: the breaker held them


def test_the_dynamodb_clients_keep_a_connection_for_every_worker_thread(ddb, caplog):
    concurrency = 8
    dispatcher = Dispatcher(worker_id="pool", concurrency=concurrency, clock=utcnow, rand=lambda: 0.5)
    try:
        threads = concurrency * PIPELINE + READ_AT_ONCE
        client = Delivery._get_connection().connection.client
        assert client.meta.config.max_pool_connections >= threads
        barrier = threading.Barrier(threads)

        def read():
            barrier.wait()
            for shard in range(4):
                list(Delivery.due_in_shard(shard, before=utcnow(), limit=1))

        caplog.set_level(logging.WARNING, logger="urllib3.connectionpool")
        workers = [threading.Thread(target=read) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert not [r for r in caplog.records if "Connection pool is full" in r.getMessage()]
    finally:
        dispatcher.close()


def test_the_backoff_doubles_up_to_its_cap_with_jitter_and_a_success_resets_it():
    low, high = worker.Backoff(rand=lambda: 0.0), worker.Backoff(rand=lambda: 0.999)
    lows = [low.failed() for _ in range(8)]
    highs = [high.failed() for _ in range(8)]
    assert lows[:3] == [0.25, 0.5, 1.0]  # half the ceiling at the least...
    assert all(h > l_ for h, l_ in zip(highs, lows))  # ...up to the whole ceiling: jittered
    assert max(highs) <= worker.BACKOFF_MAX_SECONDS and lows[-1] == worker.BACKOFF_MAX_SECONDS / 2
    low.succeeded()
    assert low.failed() == 0.25
