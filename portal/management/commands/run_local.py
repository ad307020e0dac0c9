"""`make run`: DynamoDB Local with data on disk, tables, demo data, then the web process
(gunicorn) and the delivery worker, all stopped together on Ctrl-C."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal import dynamodb_local

ROOT = Path(settings.BASE_DIR)


def _stop_with_its_group(child: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL after `timeout`; for a child leading its own session (gunicorn),
    whatever is left of its process group goes too, so no web worker survives its master."""
    own_group = child.poll() is None and os.getpgid(child.pid) == child.pid
    dynamodb_local.stop(child, timeout=timeout)
    if own_group:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_until_answering(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port yet (a second `make run`, another program)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run Form-Bridge locally: DynamoDB Local (data kept in var/dynamodb), web and worker."

    def add_arguments(self, parser):
        # PORT (as for gunicorn.conf.py) chooses the port; SITE_URL follows it (settings.py).
        parser.add_argument("--bind", default=f"127.0.0.1:{os.environ.get('PORT', '8000')}")

    def handle(self, *args, bind: str, **options):
        if not settings.DEBUG:
            raise CommandError("run_local is for development: run it with DJANGO_DEBUG=true (make run does).")
        host, _, port = bind.rpartition(":")
        if not port.isdigit():
            raise CommandError(f"--bind {bind}: expected host:port, such as 127.0.0.1:8000.")
        if not port_free(host.strip("[]"), int(port)):
            raise CommandError(f"Port {port} on {host} is already in use (another `make run`?). Stop that program, "
                               f"or choose another port with the PORT setting: PORT=8100 make run.")
        children: list[subprocess.Popen] = []
        endpoint = settings.DYNAMODB_ENDPOINT_URL
        if endpoint and not dynamodb_local.answers(endpoint):
            if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
                raise CommandError(f"DYNAMODB_ENDPOINT_URL={endpoint} is not answering.")
            port = int(endpoint.rsplit(":", 1)[1].strip("/"))
            self.stdout.write(f"Starting DynamoDB Local on port {port} (data in var/dynamodb)...")
            try:
                children.append(dynamodb_local.start(port=port, db_path=ROOT / "var" / "dynamodb",
                                                   log_path=ROOT / "var" / "dynamodb.log"))
            except dynamodb_local.DynamoLocalError as error:
                raise CommandError(str(error)) from error
        try:
            call_command("dynamo_migrate")
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed_demo")
            python = sys.executable
            # In a session of its own: Ctrl-C reaches only this command, which stops gunicorn with
            # one SIGTERM. A worker that got the terminal's SIGINT and then its master's SIGTERM
            # could hang in its own shutdown and outlive everything.
            children.append(subprocess.Popen([python, "-m", "gunicorn", "formbridge.wsgi",
                                              "--config", "gunicorn.conf.py", "--bind", bind], cwd=ROOT,
                                             start_new_session=True))
            # The demo destination posts to this web process: start the worker once it answers,
            # so the first attempts succeed instead of waiting for their retry.
            _wait_until_answering(f"http://{bind}/login/", children[-1])
            if (ROOT / "portal" / "management" / "commands" / "deliver.py").exists():
                children.append(subprocess.Popen([python, "manage.py", "deliver"], cwd=ROOT))
            self.stdout.write(self.style.SUCCESS(f"Form-Bridge is running on http://{bind}/ (Ctrl-C stops it)."))
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            raise CommandError("a child process stopped; shutting everything down")
        except KeyboardInterrupt:
            self.stdout.write("Stopping...")
        finally:
            for child in reversed(children):
                _stop_with_its_group(child)
