"""`python manage.py deliver`: the delivery worker. Runs until SIGTERM/SIGINT, finishing the
attempt in hand first; `--once` makes a single pass (tests, cron). `--metrics-port N` serves
this process's own Prometheus metrics on http://ADDR:N/ (not the web's multiprocess files)."""
import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from portal.delivery import worker
from portal.services.capacity import capacity_flush_all


class Command(BaseCommand):
    help = "Deliver due submissions to their destinations (webhooks, e-mail)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass over the due queue, then exit")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds to wait when nothing is due")
        parser.add_argument("--concurrency", type=int, default=4, help="attempts in flight at once")
        parser.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port")
        parser.add_argument("--metrics-addr", default="127.0.0.1",
                            help="address for --metrics-port (0.0.0.0 to let another host scrape)")

    def handle(self, *args, once: bool, poll: float, concurrency: int, metrics_port: int | None,
               metrics_addr: str, **options):
        if metrics_port is not None:
            self.serve_metrics(metrics_port, metrics_addr)
        if once:
            done = worker.run_once(concurrency=concurrency)
            capacity_flush_all()  # the pass's consumed capacity, per tenant, before exiting
            self.stdout.write(f"{done} attempt(s) made.")
            return
        stop = threading.Event()

        def request_stop(signum, _frame):
            self.stdout.write(f"Signal {signum}: finishing the current pass, then stopping.")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            worker.run_forever(stop=stop, poll_seconds=poll, concurrency=concurrency)
        finally:
            capacity_flush_all()  # units still pending (written every few seconds otherwise)

    def serve_metrics(self, port: int, addr: str) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Its files would be added to (and wiped by) the web's: the worker keeps its own.
            raise CommandError("Unset PROMETHEUS_MULTIPROC_DIR for the worker: --metrics-port serves its own metrics.")
        from prometheus_client import start_http_server

        from portal.observability.exposition import registry_for_scrape

        start_http_server(port, addr=addr, registry=registry_for_scrape())
        self.stdout.write(f"Metrics on http://{addr}:{port}/metrics")
