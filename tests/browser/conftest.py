"""Browser tests: gunicorn (the real web process) on a free port against the test DynamoDB
Local, driven by Playwright in Debian's headless Chromium."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import ROOT, start_web, stop_web, web_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STAFF_USERNAME, STAFF_PASSWORD = "browser-staff", "browser-staff-password-1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server_env(_integration_tables, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("web")
    env = web_env(dynamodb_endpoint=_integration_tables, workdir=workdir)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["createsuperuser", "--noinput", "--username", STAFF_USERNAME, "--email", "s@example.com"],
                   env={**env, "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD}, cwd=ROOT, check=True)
    return env


@pytest.fixture(scope="session")
def live_url(server_env):
    url, process = start_web(server_env)
    yield url
    stop_web(process)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, ddb, live_url, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; Django's ORM would refuse to run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    context = browser.new_context(base_url=live_url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def staff_credentials():
    return STAFF_USERNAME, STAFF_PASSWORD
