"""Live servers shared by every directory that needs them (registered in tests/conftest.py with
pytest_plugins, so each session-scoped fixture exists once per test process): gunicorn (the real
web process) on the test DynamoDB Local with Django's staff database set up, and one headless
Chromium (Playwright's sync API allows one per thread). Browser tests, the WordPress tests and
the API contract run (tests/api/test_openapi_contract.py) use them."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal import dynamodb_local
from tests.conftest import INTEGRATION_PREFIX

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STAFF_USERNAME, STAFF_PASSWORD = "browser-staff", "browser-staff-password-1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def web_env(*, dynamodb_endpoint: str, workdir: Path, extra: dict | None = None) -> dict:
    """The environment of a test web process, with its staff database migrated."""
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


def start_gunicorn(env: dict, port: int, log_path: Path, *, workers: int = 2) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port, once it answers (a fixed port lets a test stop and start it
    again where a client expects it); stop it with stop_web."""
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "formbridge.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/login/", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log_path}")
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not answer within 30 s")
    return process


def start_web(env: dict, *, workers: int = 2) -> tuple[str, subprocess.Popen]:
    """gunicorn on a free port; returns (base URL, process) once it answers."""
    port = dynamodb_local.free_port()
    process = start_gunicorn(env, port, Path(env["_WORKDIR"]) / f"gunicorn-{port}.log", workers=workers)
    return f"http://127.0.0.1:{port}", process


def stop_web(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)



@pytest.fixture(scope="session")
def server_env(_integration_tables, tmp_path_factory):
    env = web_env(dynamodb_endpoint=_integration_tables, workdir=tmp_path_factory.mktemp("web"))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "createsuperuser", "--noinput",
                    "--username", STAFF_USERNAME, "--email", "s@example.com"],
                   env={**env, "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD}, cwd=ROOT, check=True)
    return env


@pytest.fixture(scope="session")
def live_url(server_env):
    url, process = start_web(server_env)
    yield url
    stop_web(process)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's sync API keeps an event loop running in this
    thread while it is open, and Django refuses ORM calls (the staff tests' SQL) while a loop
    runs, so it must not outlive the module that needs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
