"""Delivery scale-out benchmark (not a test): N queued deliveries over 20 destinations (of one
tenant, each taking its own form), drained by 1, 2 and 4 `manage.py deliver --concurrency 4` processes, with a
receiver answering after 200 ms and one answering at once.

    .venv/bin/python bench/delivery_scale.py                          # this checkout's workers
    .venv/bin/python bench/delivery_scale.py --roots /tmp/main,.      # before and after, back to back

With several --roots each configuration runs once per checkout, one right after the other, so
"before" and "after" share the machine's load (the queue is set up by this checkout's code: the
due-queue layout is the same in both).

Prints per configuration and run: deliveries/s (first to last arrival at the receiver, so the
processes' start-up is left out), failed conditional claims (UpdateItem answers that were
errors, or batched claim statements whose condition failed, from each worker's own /metrics), DynamoDB requests per delivery (every call the
workers made, by their /metrics), write units per delivery (the consumed capacity the workers
recorded on the tenants' day counters, plus one unit per failed conditional write, which AWS
charges and DynamoDB Local does not report), and duplicates (a webhook-id that reached the
receiver more than once; it always answers 200, so any repeat is a double send); and how many
requests the receiver was answering at once on average (with the slow receiver, at most
`workers x concurrency`: how full the workers keep their send slots).

Environment: BENCH_DELIVERIES (default 2000), BENCH_WORKERS (default "1,2,4"),
BENCH_RECEIVER_DELAYS (default "0.2,0"), BENCH_RUNS (default 2), BENCH_CONCURRENCY (default 4).
It starts its own DynamoDB Local (-inMemory) on a free port; each configuration gets fresh
tables (a table prefix of its own)."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

parser = argparse.ArgumentParser()
ROOT = Path(__file__).resolve().parent.parent
parser.add_argument("--roots", default=str(ROOT),
                    help="comma-separated checkouts whose workers are measured (their manage.py)")
ARGS = parser.parse_args()
CODES = [Path(r).resolve() for r in ARGS.roots.split(",")]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
os.environ["DELIVERY_ALLOWED_HOSTS"] = "127.0.0.1"
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

from portal import dynamodb_local  # noqa: E402

N = int(os.environ.get("BENCH_DELIVERIES", "2000"))
WORKERS = [int(w) for w in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
DELAYS = [float(d) for d in os.environ.get("BENCH_RECEIVER_DELAYS", "0.2,0").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
DESTINATIONS = 20
DELAY = {"seconds": 0.0}
ARRIVALS: Counter = Counter()
TIMES: list[float] = []
LOCK = threading.Lock()
IN_FLIGHT = {"now": 0, "samples": []}  # requests the receiver is answering; sampled every 10 ms


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with LOCK:
            IN_FLIGHT["now"] += 1
        if DELAY["seconds"]:
            time.sleep(DELAY["seconds"])
        with LOCK:
            IN_FLIGHT["now"] -= 1
            ARRIVALS[self.headers.get("webhook-id", "")] += 1
            TIMES.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def scrape(port: int) -> Counter:
    """The worker's DynamoDB requests by (operation, outcome)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    found: Counter = Counter()
    for line in text.splitlines():
        if line.startswith('formbridge_delivery_claims_total{outcome="missed"}'):
            found[("claims", "missed")] += float(line.rsplit(" ", 1)[1])
        elif line.startswith("formbridge_dynamodb_requests_total{"):
            labels, value = line.rsplit(" ", 1)
            parts = dict(p.split("=", 1) for p in labels[labels.index("{") + 1:-1].split(","))
            found[(parts["operation"].strip('"'), parts["outcome"].strip('"'))] += float(value)
    return found


def write_units(client, table: str) -> float:
    total, start = 0.0, None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            total += sum(float(v["N"]) for k, v in item.items() if k.startswith("wcu:"))
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def one(endpoint: str, url: str, workers: int, delay: float, run: int, workdir: Path, code: Path, tag: str) -> dict:
    from portal.dynamo import registry
    from portal.dynamo.operations import migrate

    prefix = f"scale{tag}{workers}-{int(delay * 1000)}-{run}-"
    os.environ["DYNAMODB_TABLE_PREFIX"] = prefix
    registry.configure(prefix=prefix, host=endpoint, region="us-east-1")
    migrate.apply(log=lambda line: None)
    from portal.dynamo.base import dynamodb_client
    from portal.dynamo.metrics import DailyMetrics  # noqa: F401 - the table's model
    from tests.factories.accounts import make_product, make_tenant
    from tests.factories.delivery import make_destination
    from tests.factories.ingest import make_submission

    tenant, user = make_tenant(product=make_product(monthly_submissions=10_000_000, max_destinations=DESTINATIONS))
    for d in range(DESTINATIONS):
        make_destination(tenant, user, url=url, form_ids=[f"form{d}"])
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:  # ingest, as the service stores them
        list(pool.map(lambda n: make_submission(tenant, form_id=f"form{n % DESTINATIONS}"), range(N)))
    client = dynamodb_client()
    units_before = write_units(client, DailyMetrics.Meta.table_name)
    with LOCK:
        ARRIVALS.clear()
        TIMES.clear()
    DELAY["seconds"] = delay
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}", "DYNAMODB_ENDPOINT_URL": endpoint,
           "DYNAMODB_TABLE_PREFIX": prefix, "COST_ALERTS_PASS_SECONDS": "0"}
    ports = [dynamodb_local.free_port() for _ in range(workers)]
    procs = [subprocess.Popen(
        [sys.executable, "manage.py", "deliver", "--concurrency", str(CONCURRENCY), "--poll", "1", "--no-sweep",
         "--metrics-port", str(port)], env=env, cwd=code,
        stdout=open(workdir / f"worker-{prefix}{i}.log", "wb"), stderr=subprocess.STDOUT)
        for i, port in enumerate(ports)]
    IN_FLIGHT["samples"] = []
    try:
        deadline = time.monotonic() + 600
        while len(ARRIVALS) < N and time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a worker exited; see {workdir}")
            time.sleep(0.01)
            if ARRIVALS:
                IN_FLIGHT["samples"].append(IN_FLIGHT["now"])
        counts = Counter()
        for port in ports:
            counts.update(scrape(port))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    time.sleep(0.5)
    with LOCK:
        delivered, dups, times = len(ARRIVALS), sum(c - 1 for c in ARRIVALS.values() if c > 1), sorted(TIMES)
    # A claim is an UpdateItem or, batched, a statement; older workers report only the former.
    missed = counts.pop(("claims", "missed"), 0)
    failed = max(missed, counts[("UpdateItem", "error")])
    units = write_units(client, DailyMetrics.Meta.table_name) - units_before + failed
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {"rate": rate, "delivered": delivered, "failed": failed, "requests": sum(counts.values()) / max(delivered, 1),
            "units": units / max(delivered, 1), "dups": dups,
            "in_flight": sum(IN_FLIGHT["samples"]) / max(len(IN_FLIGHT["samples"]), 1),
            "by_op": {f"{op}/{outcome}": int(v) for (op, outcome), v in sorted(counts.items())}}


def main() -> None:
    port = dynamodb_local.free_port()
    dynamo = dynamodb_local.start(port=port)
    endpoint = f"http://127.0.0.1:{port}"
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
    import django

    django.setup()
    for tag, code in enumerate(CODES):
        head = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        print(f"code {tag}: {code} ({head.stdout.strip() or 'no git'})")
    print(f"{N} deliveries over {DESTINATIONS} destinations; "
          f"workers `deliver --concurrency {CONCURRENCY}`; {os.cpu_count()} CPUs; logs in {workdir}")
    print(f"{'code':>4} {'receiver':>8} {'workers':>7} {'run':>3} {'deliv/s':>8} {'failed claims':>13} {'per deliv':>9} "
          f"{'req/deliv':>9} {'WCU/deliv':>9} {'dups':>4}")
    combos = [(d, w, r, t, c) for d in DELAYS for w in WORKERS for r in range(1, RUNS + 1) for t, c in enumerate(CODES)]
    try:
        for delay, workers, run, tag, code in combos:
            r = one(endpoint, url, workers, delay, run, workdir, code, str(tag))
            print(f"{tag:4d} {delay * 1000:6.0f}ms {workers:7d} {run:3d} {r['rate']:8.1f} {r['failed']:13.0f} "
                  f"{r['failed'] / max(r['delivered'], 1):9.3f} {r['requests']:9.2f} {r['units']:9.2f} "
                  f"{r['dups']:4d}   ({r['delivered']} delivered, {r['in_flight']:.1f} in flight at the receiver on average) "
                  f"{r['by_op']}", flush=True)
    finally:
        receiver.shutdown()
        dynamodb_local.stop(dynamo)


if __name__ == "__main__":
    main()
