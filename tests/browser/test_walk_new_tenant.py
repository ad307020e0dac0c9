"""A new tenant's first hour in Chromium, then its whole portal walked: pricing → checkout →
e-mail confirmation → first site → API key (configured plugin zip) and a curl-style post →
the built-in inspector added with one click → "Send a test submission" → the delivery worker
→ the delivery seen, signature valid, in the inspector. Screenshots of each step go to
var/walks/first-hour/ (numbered in order); the walk of every page after it to var/walks/new-tenant/.

This walk has a gunicorn of its own whose SITE_URL is its own address, so the inspector
destination it creates points back at it (the shared server's SITE_URL is the default)."""
import re
import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from portal import dynamodb_local
from portal.delivery import worker
from portal.services.billing.products import product_create
from tests.browser.walk import SCREENSHOT_ROOT, Walk
from tests.browser.walk_world import OUTSIDER_NAMES
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_site, make_submission
from tests.live_server import start_gunicorn, stop_web

EMAIL, PASSWORD = "first-hour@newagency.example", "first-hour-password-73"


@pytest.fixture
def own_server(server_env, tmp_path):
    port = dynamodb_local.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**server_env, "SITE_URL": url, "DJANGO_CSRF_TRUSTED_ORIGINS": url}
    process = start_gunicorn(env, port, tmp_path / "gunicorn.log", workers=1)
    yield url, Path(server_env["EMAIL_FILE_PATH"])
    stop_web(process)


def _newest_mail(outbox: Path) -> str:
    return max(outbox.iterdir(), key=lambda f: f.stat().st_mtime).read_text()


def test_a_new_tenant_reaches_its_first_delivery_and_then_walks_every_page(ddb, own_server, browser, settings,
                                                                          monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base, outbox = own_server
    settings.SITE_URL = base  # the worker below runs in this process: its links name this server
    product_create(actor="tests", name="First Hour Plan", price=Decimal("29.00"), monthly_submissions=20000,
                   description="For a first site.")
    outsider, _ = make_tenant(email="owner@outsider-site.example", organization="Outsider Agency")
    make_submission(outsider, site_id=make_site(outsider, domain="outsider-site.example").id,
                    fields={"name": "Outsider Person"})
    folder = SCREENSHOT_ROOT / "first-hour"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    shots = iter(range(1, 100))

    def shot(name):
        number = next(shots)
        page.screenshot(path=str(folder / f"{number:02d}-{name}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(folder / f"{number:02d}-{name}-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/pricing/")
    shot("pricing")
    page.locator(".product-card", has_text="First Hour Plan").locator("a.choose").click()
    page.fill("input[name=organization]", "First Hour Agency")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.click("button:has-text('Place order')")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    assert page.locator(".message").count() == 1 and page.locator(".unvalidated-banner").count() == 1
    shot("checked-out")

    link = re.search(r"https?://[^/\s]+(/verify/\S+/)", _newest_mail(outbox)).group(1)
    page.goto(link)
    shot("e-mail-confirmed")

    page.goto("/sites/")
    page.fill("input[name=domain]", "first-hour.example")
    page.click("button:has-text('Add site')")
    site_url = page.url
    shot("first-site")
    page.click("button:has-text('Create API key')")
    raw_key = page.get_by_test_id("raw-key").input_value()
    shot("api-key")
    page.reload()  # Post/Redirect/Get: the key is still shown, no 405
    assert page.get_by_test_id("raw-key").input_value() == raw_key
    with page.expect_download() as zipped:
        page.get_by_test_id("configured-plugin-zip").click()
    assert zipped.value.suggested_filename == "form-bridge.zip"
    # What the quick start's curl line does.
    sent = requests.post(f"{base}/api/v1/submissions", json={"form_id": "contact", "fields": {
        "name": "Ada", "email": "ada@first-hour.example"}}, headers={"Authorization": f"Bearer {raw_key}"}, timeout=10)
    assert sent.status_code == 202, sent.text

    page.goto(site_url + "quick-start/")
    shot("quick-start")
    page.click("button:has-text('add the built-in inspector')")
    assert "Built-in inspector" in page.locator("h1").inner_text()
    shot("inspector-destination")

    page.goto(site_url)
    page.get_by_test_id("send-test-submission").click()
    assert "being delivered to Built-in inspector" in page.locator(".message").inner_text()
    shot("test-submission-sent")
    assert worker.run_once(worker_id="first-hour") >= 1
    page.reload()
    assert page.locator(".badge", has_text="delivered").count() >= 1
    shot("test-submission-delivered")
    page.goto("/dev/inspector/")
    assert page.locator(".signature-valid").count() >= 1
    shot("inspector-signature-valid")

    session = requests.Session()
    for cookie in context.cookies():
        session.cookies.set(cookie["name"], cookie["value"], domain=urlparse(base).hostname, path="/")
    context.close()
    walk = Walk(base_url=base, role="new-tenant", session=session, forbidden=OUTSIDER_NAMES,
                skip=("/staff/",)).run("/", browser=browser)
    print(walk.summary(), f"screenshots: {walk.folder} and {folder}", sep="\n")
    assert walk.problems == [], "\n".join(walk.problems)
