"""Browser tests: gunicorn (the real web process) on a free port against the test DynamoDB
Local, driven by Playwright in Debian's headless Chromium. The servers and the browser are in
tests/live_server.py (shared with tests/wordpress)."""
from __future__ import annotations

import pytest

from tests.live_server import STAFF_PASSWORD, STAFF_USERNAME


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


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

