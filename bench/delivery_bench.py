"""Delivery benchmark (not a test): `python bench/delivery_bench.py`. Prints:

(1) Throughput, for a receiver answering at once and one answering after 200 ms: deliveries
    per second of the worker (claim, send, record, status, metrics: the whole path, passes of
    `run_once` at CONCURRENCY) against a baseline of the same number of Standard Webhooks
    signed POSTs sent by plain threads with THE SAME concurrency, in the same process and run;
    and DynamoDB requests per delivery (every botocore call of the worker), by operation.
(2) Write units per delivery (one attempt, success) from ReturnConsumedCapacity=INDEXES, by
    table and index, with the follow-ups written at once (the worker batches the submission
    status into BatchExecuteStatement, for which DynamoDB Local reports no capacity: it writes
    the same item with the same condition, so the same units) and the day counters amortised.
(3) End-to-end latency from ingest's 202 (HTTP, gunicorn) to the receiver, at RATE submissions
    per second for E2E_SECONDS, with `manage.py deliver` running as its own process; then what
    that worker costs when idle, in DynamoDB requests per hour (from its own /metrics).

It starts its own DynamoDB Local (-inMemory) on a free port, so it never touches dev data.
Environment: BENCH_DELIVERIES (default 300), BENCH_CONCURRENCY (default "4", at most the
per-destination limit), BENCH_RECEIVER_DELAYS (seconds, default "0,0.2"), BENCH_E2E_SECONDS
(default 60; 0 skips section 3), BENCH_E2E_RATE (default 20), BENCH_IDLE_SECONDS (default 30),
BENCH_SECTIONS (default "1,2,3")."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a local benchmark, not production
os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
os.environ["DELIVERY_ALLOWED_HOSTS"] = "127.0.0.1"

from portal import dynamodb_local  # noqa: E402

N = int(os.environ.get("BENCH_DELIVERIES", "300"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "4").split(",")]
DELAYS = [float(d) for d in os.environ.get("BENCH_RECEIVER_DELAYS", "0,0.2").split(",")]
E2E_SECONDS = float(os.environ.get("BENCH_E2E_SECONDS", "60"))
RATE = float(os.environ.get("BENCH_E2E_RATE", "20"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "30"))
SECTIONS = set(os.environ.get("BENCH_SECTIONS", "1,2,3").split(","))
PREFIX = "bench-"
DELAY = {"seconds": 0.0}  # the receiver's current answer delay
ARRIVALS: dict[str, float] = {}  # webhook-id -> wall clock when the receiver got it


class Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ARRIVALS.setdefault(self.headers.get("webhook-id", ""), time.time())
        if DELAY["seconds"]:
            time.sleep(DELAY["seconds"])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main() -> None:
    port = dynamodb_local.free_port()
    dynamo = dynamodb_local.start(port=port)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    receiver.daemon_threads = True
    Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        os.environ["DYNAMODB_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
        os.environ["DYNAMODB_TABLE_PREFIX"] = PREFIX
        import django

        django.setup()
        from portal.dynamo.operations import migrate
        from portal.dynamo import registry

        registry.configure(prefix=PREFIX, host=f"http://127.0.0.1:{port}", region="us-east-1")
        migrate.apply(log=lambda line: None)
        print(f"DynamoDB Local -inMemory; {os.cpu_count()} CPUs; receiver on {url}")
        meter = Meter()
        if "1" in SECTIONS:
            throughput(url, meter, dynamo_pid=dynamo.pid)
        if "2" in SECTIONS:
            write_units(url, meter)
        if "3" in SECTIONS and E2E_SECONDS > 0:
            end_to_end(url, dynamo_endpoint=f"http://127.0.0.1:{port}")
    finally:
        receiver.shutdown()
        dynamodb_local.stop(dynamo)


class Meter:
    """Every DynamoDB request botocore makes (all clients), by operation; and for writes the
    consumed capacity by table and index (ReturnConsumedCapacity=INDEXES asked for)."""

    WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

    def __init__(self):
        import botocore.client

        self.lock = threading.Lock()
        self.calls: Counter = Counter()
        self.units: Counter = Counter()
        original = botocore.client.BaseClient._make_api_call
        meter = self

        def counting(client, operation_name, api_params):
            if operation_name in meter.WRITES:
                api_params = {**api_params, "ReturnConsumedCapacity": "INDEXES"}
            answer = original(client, operation_name, api_params)
            with meter.lock:
                meter.calls[operation_name] += 1
                consumed = answer.get("ConsumedCapacity") if operation_name in meter.WRITES else None
                for entry in (consumed if isinstance(consumed, list) else [consumed] if consumed else []):
                    table = entry.get("TableName", "?").replace(PREFIX, "")
                    meter.units[table] += (entry.get("Table") or {}).get("CapacityUnits", 0) or 0
                    for index, used in (entry.get("GlobalSecondaryIndexes") or {}).items():
                        meter.units[f"{table}.{index}"] += used.get("CapacityUnits", 0) or 0
            return answer

        botocore.client.BaseClient._make_api_call = counting

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.units.clear()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(url: str, meter: Meter, *, dynamo_pid: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from portal.delivery import worker
    from portal.delivery.payloads import event_body, submission_event
    from portal.delivery.send import signing_secrets
    from portal.delivery.signing import signature_headers
    from portal.dynamo.base import utcnow
    from tests.factories.accounts import make_product, make_tenant
    from tests.factories.delivery import make_destination
    from tests.factories.delivery import make_submission_with_deliveries as make_submission

    print(f"\n(1) Throughput: {N} deliveries per run, worker passes (run_once) vs plain signed POSTs")
    product = make_product(monthly_submissions=10_000_000)
    tenant, user = make_tenant(product=product)
    submission, _ = make_submission(tenant)  # before the destination exists: no delivery row
    destination = make_destination(tenant, user, url=url)
    body = event_body(submission_event(submission))
    secrets_ = signing_secrets(destination, now=utcnow())

    def plain_post(n: int) -> None:
        # A new connection each, as the sender does (it connects to the vetted address).
        headers = signature_headers(secrets_=secrets_, msg_id=f"msg_{n}", timestamp=int(time.time()), body=body)
        headers["Content-Type"] = "application/json"
        response = requests.post(url, data=body, headers=headers, timeout=10, allow_redirects=False)
        assert response.status_code == 200

    for delay in DELAYS:
        DELAY["seconds"] = delay
        for concurrency in CONCURRENCY:
            started, own_before = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(plain_post, range(N)))
            baseline = N / (time.perf_counter() - started)
            baseline_ms = 1000 * (time.process_time() - own_before) / N

            tenant, user = make_tenant(product=product)
            make_destination(tenant, user, url=url)
            for _ in range(N):
                make_submission(tenant)
            meter.reset()
            done = 0
            started, jvm_before, own_before = time.perf_counter(), cpu_seconds(dynamo_pid), time.process_time()
            while done < N:
                made = worker.run_once(worker_id=f"bench-{concurrency}", per_shard=50, concurrency=concurrency)
                if not made:
                    break
                done += made
            elapsed = time.perf_counter() - started
            jvm_ms = 1000 * (cpu_seconds(dynamo_pid) - jvm_before) / max(done, 1)
            own_ms = 1000 * (time.process_time() - own_before) / max(done, 1)
            rate = done / elapsed
            requests_made = sum(meter.calls.values())
            print(f"  receiver delay {delay * 1000:4.0f} ms, concurrency {concurrency}: "
                  f"baseline {baseline:7.1f} /s, worker {rate:7.1f} /s ({done} in {elapsed:5.1f} s), "
                  f"ratio {rate / baseline:.2f}")
            print(f"    CPU per delivery: DynamoDB Local (the JVM) {jvm_ms:.1f} ms, this process (worker and receiver)"
                  f" {own_ms:.1f} ms; per baseline POST (client and receiver) {baseline_ms:.1f} ms")
            print(f"    DynamoDB requests per delivery {requests_made / max(done, 1):.2f} "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(meter.calls.items()))})")


def write_units(url: str, meter: Meter) -> None:
    import random

    from portal.delivery import worker
    from portal.delivery.attempt import PassCache
    from portal.delivery.dispatch import process
    from portal.delivery.followups import FollowUps
    from portal.dynamo.base import utcnow
    from tests.factories.accounts import make_product, make_tenant
    from tests.factories.delivery import make_destination
    from tests.factories.delivery import make_submission_with_deliveries as make_submission

    count = 20
    DELAY["seconds"] = 0
    tenant, user = make_tenant(product=make_product(monthly_submissions=10_000_000))
    make_destination(tenant, user, url=url)
    for _ in range(count):
        make_submission(tenant)
    rows = worker.due_deliveries(now=utcnow(), per_shard=count)
    meter.reset()
    cache = PassCache(followups=FollowUps(buffered=False))
    cache.prefetch(rows)
    made = sum(1 for row in rows
               if process(row, worker_id="bench-units", clock=utcnow, rand=random.random, cache=cache) == "delivered")
    units = {k: v / made for k, v in sorted(meter.units.items()) if v}
    total = sum(units.values())
    counters = units.get("metrics", 0)
    print(f"\n(2) Write units per delivery (one attempt, success; {made} deliveries, ReturnConsumedCapacity=INDEXES)")
    for target, value in units.items():
        print(f"    {target:32s} {value:5.2f}")
    print(f"  total with a day-counter write per delivery: {total:.2f} WCU; as the worker runs "
          f"(day counters summed per pass: one write per tenant-day per pass): {total - counters:.2f} WCU")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def end_to_end(url: str, *, dynamo_endpoint: str) -> None:
    from portal.dynamo.destinations import WEBHOOK
    from portal.services.delivery_setup.destinations import destination_create
    from tests.factories.accounts import make_product, make_tenant
    from tests.factories.ingest import make_key

    DELAY["seconds"] = 0
    # Four sites (one key each: the ingest rate limit is per key), each tenant with a webhook.
    product = make_product(monthly_submissions=10_000_000)
    keys = []
    for _ in range(4):
        tenant, user = make_tenant(product=product)
        destination_create(tenant=tenant, actor=user.email, name="Receiver", type=WEBHOOK, url=url, headers={},
                           recipients=[], form_ids=[])
        keys.append(make_key(tenant)[1])
    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    web_port, metrics_port = dynamodb_local.free_port(), dynamodb_local.free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}",
           "DYNAMODB_ENDPOINT_URL": dynamo_endpoint, "DYNAMODB_TABLE_PREFIX": PREFIX}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "formbridge.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--access-logfile", "/dev/null"],
        env=env, cwd=ROOT, stdout=open(workdir / "gunicorn.log", "wb"), stderr=subprocess.STDOUT)
    deliver = subprocess.Popen(
        [sys.executable, "manage.py", "deliver", "--concurrency", "4", "--metrics-port", str(metrics_port)],
        env=env, cwd=ROOT, stdout=open(workdir / "deliver.log", "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (dynamodb_local.answers(f"http://127.0.0.1:{web_port}/login/")
                   and dynamodb_local.answers(f"http://127.0.0.1:{metrics_port}/")):
            if time.monotonic() > deadline or web.poll() is not None or deliver.poll() is not None:
                raise RuntimeError(f"gunicorn or the worker did not start; see {workdir}")
            time.sleep(0.2)
        total = int(RATE * E2E_SECONDS)
        print(f"\n(3) End-to-end: {total} submissions at {RATE:.0f}/s over HTTP (gunicorn, 2 workers), "
              f"`manage.py deliver --concurrency 4` in its own process")
        accepted: dict[str, float] = {}
        local = threading.local()

        refused: Counter = Counter()

        def send(n: int) -> None:
            for attempt in range(2):  # gunicorn closes idle keep-alive connections: reconnect once
                try:
                    return post(n)
                except (ConnectionError, http.client.HTTPException) as error:
                    local.conn = None
                    if attempt:
                        refused[type(error).__name__] += 1
                except Exception as error:  # noqa: BLE001 - counted and printed
                    refused[type(error).__name__] += 1
                    local.conn = None
                    return None

        def post(n: int) -> None:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
            body = json.dumps({"form_id": "contact", "fields": {"name": f"Ada {n}", "email": "ada@example.com",
                                                               "message": "Please call me back."}, "meta": {}})
            local.conn.request("POST", "/api/v1/submissions", body=body, headers={
                "Authorization": f"Bearer {keys[n % len(keys)]}", "Content-Type": "application/json"})
            response = local.conn.getresponse()
            answer = response.read()
            assert response.status == 202, (response.status, answer)
            accepted[json.loads(answer)["id"]] = time.time()

        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            for n in range(total):
                pause = started + n / RATE - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(send, n)
        sent_in = time.monotonic() - started
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            arrived = {key.split("_")[1] for key in ARRIVALS if key.startswith("msg_")}
            if set(accepted) <= arrived:
                break
            time.sleep(0.1)
        latencies = []
        for key, at in ARRIVALS.items():
            parts = key.split("_")
            if len(parts) == 3 and parts[1] in accepted:
                latencies.append(at - accepted[parts[1]])
        print(f"  sent in {sent_in:.1f} s; delivered {len(latencies)} of {len(accepted)} accepted"
              + (f" (not accepted: {dict(refused)})" if refused else ""))
        if latencies:
            print(f"  latency 202 -> receiver: p50 {_percentile(latencies, 50):.3f} s, "
                  f"p95 {_percentile(latencies, 95):.3f} s, max {max(latencies):.3f} s")

        def worker_counts() -> tuple[float, float]:
            """(DynamoDB requests, looks at the due queue) of the worker process so far."""
            text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
            lines = text.splitlines()
            return (sum(float(line.rsplit(" ", 1)[1]) for line in lines
                        if line.startswith("formbridge_dynamodb_requests_total{")),
                    sum(float(line.rsplit(" ", 1)[1]) for line in lines
                        if line.startswith("formbridge_worker_passes_total")))

        time.sleep(15)  # the idle poll backs off to its longest wait
        (requests_before, looks_before), t0 = worker_counts(), time.monotonic()
        time.sleep(IDLE_SECONDS)
        requests_after, looks_after = worker_counts()
        hours = (time.monotonic() - t0) / 3600
        from portal.dynamo.deliveries import DUE_SHARDS

        looks = (looks_after - looks_before) / hours
        print(f"  idle worker: {looks:,.0f} looks at the due queue per hour x {DUE_SHARDS} Query = "
              f"{looks * DUE_SHARDS:,.0f} DynamoDB requests per hour (counted by the worker: "
              f"{(requests_after - requests_before) / hours:,.0f}/h over {IDLE_SECONDS:.0f} s, which includes "
              f"the due-queue gauge of each /metrics scrape)")
    finally:
        for process in (deliver, web):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
