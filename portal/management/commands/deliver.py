"""`python manage.py deliver`: the delivery worker. Runs until SIGTERM/SIGINT, finishing the
attempt in hand first; `--once` makes a single pass (tests, cron). `--metrics-port N` serves
this process's own Prometheus metrics on http://ADDR:N/ (not the web's multiprocess files)."""
import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.delivery import worker
from portal.services.compliance.privacy import privacy_jobs_loop, privacy_jobs_run
from portal.services.delivery_setup import notices
from portal.dynamo.connection.metering import capacity_flush_all
from portal.services.billing.costs import cost_alerts_run_forever
from portal.services.reports.sending import reports_run_forever, reports_send_due


class Command(BaseCommand):
    help = "Deliver due submissions to their destinations (webhooks, e-mail)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass over the due queue, then exit")
        parser.add_argument("--poll", type=float, default=5.0,
                            help="longest wait between looks at the due queue when nothing is due (the wait "
                                 "starts at 0.2 s and doubles while nothing is found)")
        parser.add_argument("--concurrency", type=int, default=4, help="attempts in flight at once")
        parser.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port")
        parser.add_argument("--metrics-addr", default="127.0.0.1",
                            help="address for --metrics-port (0.0.0.0 to let another host scrape)")
        parser.add_argument("--no-sweep", action="store_true",
                            help="do not sweep unreferenced files every FILES_SWEEP_INTERVAL_SECONDS")

    def handle(self, *args, once: bool, poll: float, concurrency: int, metrics_port: int | None,
               metrics_addr: str, no_sweep: bool = False, **options):
        if metrics_port is not None:
            self.serve_metrics(metrics_port, metrics_addr)
        if once:
            done = worker.run_once(concurrency=concurrency)
            privacy_jobs_run()
            capacity_flush_all()  # the pass's consumed capacity, per tenant, before exiting
            self.stdout.write(f"{done} attempt(s) made.")
            silent = notices.notices_check_silent()
            sent = notices.notices_send_due()
            if silent or sent:
                self.stdout.write(f"{silent} silent form(s) found, {sent} notice(s) sent.")
            reports = reports_send_due()
            if reports:
                self.stdout.write(f"{reports} monthly report e-mail(s) sent.")
            return
        stop = threading.Event()

        def request_stop(signum, _frame):
            self.stdout.write(f"Signal {signum}: finishing the current pass, then stopping.")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if not no_sweep and settings.FILES_SWEEP_INTERVAL_SECONDS > 0:
            threading.Thread(target=sweep_files_periodically, args=(stop, settings.FILES_SWEEP_INTERVAL_SECONDS),
                             name="files-sweeper", daemon=True).start()
        if settings.COST_ALERTS_PASS_SECONDS > 0:
            # Thresholds of tenants whose traffic is all ingest (delivery checks its own tenants).
            threading.Thread(target=cost_alerts_run_forever, kwargs={"stop": stop,
                             "interval": settings.COST_ALERTS_PASS_SECONDS}, name="cost-alerts", daemon=True).start()
        if settings.REPORTS_PASS_SECONDS > 0:
            # Monthly client reports: due ones are claimed (once per report and month) and e-mailed.
            threading.Thread(target=reports_run_forever, kwargs={"stop": stop,
                             "interval": settings.REPORTS_PASS_SECONDS}, name="reports", daemon=True).start()
        # Privacy erase jobs share the worker process (a thread of their own; they are rare).
        threading.Thread(target=privacy_jobs_loop, kwargs={"stop": stop}, name="privacy-jobs", daemon=True).start()
        # Account notices (destination health, quota, silent forms) beside the deliveries.
        notice_thread = threading.Thread(target=notices.notices_run_forever, kwargs={"stop": stop},
                                         name="notices", daemon=True)
        notice_thread.start()
        try:
            worker.run_forever(stop=stop, poll_seconds=poll, concurrency=concurrency)
        finally:
            capacity_flush_all()  # units still pending (written every few seconds otherwise)
        notice_thread.join(timeout=30)

    def serve_metrics(self, port: int, addr: str) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Its files would be added to (and wiped by) the web's: the worker keeps its own.
            raise CommandError("Unset PROMETHEUS_MULTIPROC_DIR for the worker: --metrics-port serves its own metrics.")
        from prometheus_client import start_http_server

        from portal.observability.exposition import registry_for_scrape

        start_http_server(port, addr=addr, registry=registry_for_scrape())
        self.stdout.write(f"Metrics on http://{addr}:{port}/metrics")


def sweep_files_periodically(stop: threading.Event, interval: float) -> None:
    """The files sweeper beside the delivery loop (portal.services.ingest.files.files_sweep)."""
    from portal.services.ingest.files import files_sweep

    log = logging.getLogger("portal.files")
    while not stop.wait(interval):
        try:
            report = files_sweep()
            if report.removed or report.errors:
                log.info("files sweep: %s removed, %s kept, %s not removed", report.removed, report.kept,
                         len(report.errors))
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("files sweep failed; trying again in %s s", interval)
