"""gunicorn settings; every value can be overridden with the usual GUNICORN_CMD_ARGS.

Metrics: the web workers share their Prometheus counts through files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode). It must be set before any
worker imports prometheus_client, so it is set here, in the master, before the workers fork:
a fresh private directory unless the environment names one. The directory is emptied when the
master starts (stale files from an earlier run would add their counts), and a worker that
exits is marked dead so its live gauges stop counting."""
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
accesslog = "-"  # stdout, so the platform's log collector sees requests
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_OWN_METRICS_DIR = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _OWN_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="formbridge-metrics-")


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _OWN_METRICS_DIR:  # ours alone: remove it with the master
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)
