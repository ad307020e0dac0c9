"""Delivery throughput: deliveries per second from one worker (claim, send, record, status,
metrics: the whole path) to a local receiver, against a baseline of the same number of signed
POSTs sent by plain threads with THE SAME concurrency, in the same process, for a receiver
answering at once and one answering after 200 ms. Also counts DynamoDB requests per delivery
(every botocore call of the worker's pass). Not a test: `python bench/delivery_bench.py`.

It starts its own DynamoDB Local (-inMemory) on a free port, so it never touches dev data.
Environment: BENCH_DELIVERIES (default 300), BENCH_CONCURRENCY (default "4", at most the
per-destination limit), BENCH_RECEIVER_DELAYS (seconds, default "0,0.2")."""
from __future__ import annotations

import os
import sys
import time
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
DELAY = {"seconds": 0.0}  # the receiver's current answer delay


class Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
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
        os.environ["DYNAMODB_TABLE_PREFIX"] = "bench-"
        import django

        django.setup()
        from portal.dynamo import migrate, registry

        registry.configure(prefix="bench-", host=f"http://127.0.0.1:{port}", region="us-east-1")
        migrate.apply(log=lambda line: None)
        run(url)
    finally:
        receiver.shutdown()
        dynamodb_local.stop(dynamo)


def count_requests() -> dict:
    """Count every DynamoDB request botocore makes (all clients), by operation."""
    import botocore.client

    counts: dict[str, int] = {}
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        counts[operation_name] = counts.get(operation_name, 0) + 1
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting
    return counts


def run(url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from portal.delivery import worker
    from portal.delivery.payloads import event_body, submission_event
    from portal.delivery.send import signing_secrets
    from portal.delivery.signing import signature_headers
    from portal.dynamo.base import utcnow
    from tests.factories.accounts import make_tenant
    from tests.factories.delivery import make_destination
    from tests.factories.delivery import make_submission_with_deliveries as make_submission

    print(f"{N} deliveries to a local receiver; DynamoDB Local -inMemory; {os.cpu_count()} CPUs")
    counts = count_requests()
    tenant, user = make_tenant()
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
            started = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(plain_post, range(N)))
            baseline = N / (time.perf_counter() - started)

            tenant, user = make_tenant()
            make_destination(tenant, user, url=url)
            for _ in range(N):
                make_submission(tenant)
            counts.clear()
            done = 0
            started = time.perf_counter()
            while done < N:
                made = worker.run_once(worker_id=f"bench-{concurrency}", per_shard=50, concurrency=concurrency)
                if not made:
                    break
                done += made
            elapsed = time.perf_counter() - started
            rate = done / elapsed
            requests_made = sum(counts.values())
            print(f"receiver delay {delay * 1000:4.0f} ms, concurrency {concurrency}: "
                  f"baseline {baseline:7.1f} /s, worker {rate:7.1f} /s ({done} in {elapsed:5.1f} s), "
                  f"ratio {rate / baseline:.2f}; DynamoDB requests per delivery {requests_made / max(done, 1):.2f} "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")


if __name__ == "__main__":
    main()
