"""Delivery test helpers: destinations through the real service, submissions through the real
ingest service (the submission and its planned delivery rows in one transaction), a real
webhook receiver on loopback that verifies Standard Webhooks signatures, an injectable clock,
and read-backs of what the worker wrote."""
from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal.delivery import schedule, worker
from portal.dynamo.deliveries import Delivery, submission_rows
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import WEBHOOK
from portal.dynamo.metrics import day_counts_between
from portal.dynamo.submissions import Submission
from portal.selectors.submissions import submission_find
from portal.services.delivery_setup.destinations import destination_create
from tests.factories.ingest import make_submission


def make_destination(tenant, user, **overrides):
    values = dict(name="Receiver", type=WEBHOOK, url="https://hooks.example.com/in", headers={}, recipients=[],
                  form_ids=[])
    values.update(overrides)
    return destination_create(tenant=tenant, actor=user.email, **values)


def make_submission_with_deliveries(tenant, *, form_id: str = "contact", fields: dict | None = None,
                                    meta: dict | None = None, received_at=None):
    """A submission stored by the real ingest service (make_submission), read back, with the
    delivery rows it planned."""
    submission_id = make_submission(
        tenant, form_id=form_id,
        fields=fields if fields is not None else {"name": "Ada", "email": "ada@example.com"},
        meta=meta if meta is not None else {"page_url": "https://site.example/contact"}, now=received_at,
    )
    submission = submission_find(tenant_id=tenant.id, submission_id=submission_id, shard_count=tenant.shardCount,
                                 now=received_at)
    rows, _ = submission_rows(tenant.id, submission_id)
    return submission, rows


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool
    error: str | None = None
    files: list[bytes] = field(default_factory=list)  # fetched through the payload's links (fetch_files)

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 (free port) in a thread. `mode` picks the answer:
    ok, fail (500), throttle (429 + Retry-After), slow (answers after `delay` s), close
    (drops the connection), redirect (302 to another path)."""
    secrets: list[str] = field(default_factory=list)
    mode: str = "ok"
    retry_after: str = "120"
    delay: float = 2.0
    received: list[Received] = field(default_factory=list)
    fetch_files: bool = False  # like a CRM would: download each file through its signed link on receipt

    def __post_init__(self):
        receiver = self
        self._release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._record(self.path, dict(self.headers.items()), body)
                mode = receiver.mode
                if mode == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if mode == "slow":
                    receiver._release.wait(receiver.delay)
                if mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = {"ok": 200, "slow": 200, "fail": 500, "throttle": 429}[mode]
                answer = {"ok": b'{"received":true}', "fail": b"upstream exploded", "throttle": b"slow down",
                          "slow": b"late"}[mode]
                self.send_response(status)
                if mode == "throttle":
                    self.send_header("Retry-After", receiver.retry_after)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _record(self, path, headers, body):
        verified, error = False, None
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
                break
            except WebhookVerificationError as failure:
                error = str(failure)
        received = Received(path=path, headers=headers, body=body, verified=verified, error=error)
        if self.fetch_files:
            for described in (received.json.get("data") or {}).get("files") or []:
                with urllib.request.urlopen(described["url"], timeout=10) as download:
                    received.files.append(download.read())
        self.received.append(received)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class FakeClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now = self.now + timedelta(**delta)
        return self.now


# Rows made by the factory are due from the real "now"; an injected clock starting at T0 is
# later (with an hour of margin, so a slow run never creates rows that are not yet due at T0).
T0 = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
MIDDLE = lambda: 0.5  # noqa: E731 - jitter factor exactly 1.0


def delivery_row(submission, destination) -> Delivery:
    return Delivery.in_tenant(submission.tenantId).get(Delivery.partition_for(submission.id),
                                                       Delivery.sort_for(destination.id), consistent_read=True)


def attempts_of(submission):
    return sorted(submission_rows(submission.tenantId, submission.id, consistent=True)[1], key=lambda a: a.number)


def stored_submission(tenant, submission):
    return Submission.in_tenant(tenant.id).get(submission.pk, submission.sk)


def day_metrics(tenant, day):
    """(delivered, failed) of the tenant's day, summed over its counter items (outcomes are
    counted on the submission's site item, or on the day item without a site)."""
    counts = day_counts_between(tenant_id=tenant.id, first_day=day, last_day=day).get(day)
    return (counts.delivered, counts.failed) if counts else (0, 0)


def run_at(clock, when):
    clock.now = when
    return worker.run_once(worker_id="w1", clock=clock, rand=MIDDLE)


def fail_to_the_end(clock, submission, destination):
    when = clock.now
    for _ in range(schedule.MAX_ATTEMPTS):
        run_at(clock, when)
        delivery = delivery_row(submission, destination)
        if delivery.status == DeliveryStatus.FAILED:
            return
        when = delivery.nextAttemptAt


class Dribbler:
    """A hostile receiver on 127.0.0.1: reads the request, then answers one byte every
    `every` seconds for at most `lasts` seconds, in its status line and headers ("headers")
    or in a body announced as long ("body"). It counts the connections it got."""

    def __init__(self, *, part: str = "headers", every: float = 0.2, lasts: float = 8.0):
        import socket

        self.part, self.every, self.lasts = part, every, lasts
        self.connections = 0
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"
                  if self.part == "headers" else b"")
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
        try:
            conn.settimeout(1.0)
            conn.recv(65536)
            if self.part == "body":
                conn.sendall(head)
                answer = b"y" * 100000
            ends = time.monotonic() + self.lasts
            for byte in answer:
                if self._stop.is_set() or time.monotonic() > ends:
                    break
                conn.sendall(bytes([byte]))
                self._stop.wait(self.every)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self._stop.set()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
