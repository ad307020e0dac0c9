"""The real web process for tests that need one: gunicorn on a free port against the test
DynamoDB Local, with Django's staff database set up. Browser tests (tests/browser) and the API
contract run (tests/api/test_openapi_contract.py) start it through these helpers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from portal import dynamodb_local
from tests.conftest import INTEGRATION_PREFIX

ROOT = Path(__file__).resolve().parents[1]


def web_env(*, dynamodb_endpoint: str, workdir: Path, extra: dict | None = None) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "DYNAMODB_TABLE_PREFIX": INTEGRATION_PREFIX,
        "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}",
        "DJANGO_DEBUG": "true",
        # The file backend writes one file per message to EMAIL_FILE_PATH, so a test can read
        # the links the server e-mailed (filemail:// + an absolute path).
        "EMAIL_URL": f"filemail:///{workdir / 'outbox'}",
        "EMAIL_FILE_PATH": str(workdir / "outbox"),
        "PYTHONUNBUFFERED": "1",
        "FILES_LOCAL_ROOT": str(workdir / "files"),  # uploaded files of this server's tests
        **(extra or {}),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    env["_WORKDIR"] = str(workdir)
    return env


def start_web(env: dict, *, workers: int = 2) -> tuple[str, subprocess.Popen]:
    """gunicorn on a free port; returns (base URL, process) once it answers."""
    port = dynamodb_local.free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(env["_WORKDIR"]) / f"gunicorn-{port}.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "formbridge.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/login/", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not answer within 30 s")
    return url, process


def stop_web(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)
