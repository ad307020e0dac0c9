"""`python manage.py deliver`: the delivery worker. Runs until SIGTERM/SIGINT, finishing the
attempt in hand first; `--once` makes a single pass (tests, cron)."""
import signal
import threading

from django.core.management.base import BaseCommand

from portal.delivery import worker


class Command(BaseCommand):
    help = "Deliver due submissions to their destinations (webhooks, e-mail)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass over the due queue, then exit")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds to wait when nothing is due")
        parser.add_argument("--concurrency", type=int, default=4, help="attempts in flight at once")

    def handle(self, *args, once: bool, poll: float, concurrency: int, **options):
        if once:
            done = worker.run_once(concurrency=concurrency)
            self.stdout.write(f"{done} attempt(s) made.")
            return
        stop = threading.Event()

        def request_stop(signum, _frame):
            self.stdout.write(f"Signal {signum}: finishing the current pass, then stopping.")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        worker.run_forever(stop=stop, poll_seconds=poll, concurrency=concurrency)
