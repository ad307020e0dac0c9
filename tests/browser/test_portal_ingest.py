"""Done means (issue 4): a tenant user adds a site, creates a key, a submission posted to
the API with that key appears first in the list, its detail shows every field, and a CSV
export downloads it."""
import json
import urllib.request
from urllib.parse import urlparse

from tests.factories.accounts import PASSWORD, make_tenant


def _post_submission(live_url, raw_key, payload):
    request = urllib.request.Request(
        f"{live_url}/api/v1/submissions", data=json.dumps(payload).encode(), method="POST",
        headers={"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_tenant_adds_site_creates_key_and_sees_and_exports_an_api_submission(page, live_url):
    tenant, user = make_tenant(organization="Browser Ingest Agency")
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")

    page.click("nav >> text=Sites")
    page.fill("input[name=domain]", "https://Www.Browser-Shop.example/contact")
    page.click("button:has-text('Add site')")
    assert page.locator("h1").inner_text() == "www.browser-shop.example"

    page.fill("input[name=label]", "WordPress plugin")
    page.click("button:has-text('Create API key')")
    raw_key = page.get_by_test_id("raw-key").input_value()
    assert raw_key.startswith("fbk_")

    fields = {"name": "Grace Hopper", "email": "grace@example.com", "message": "Ship it\nsecond line",
              "services": ["design", "hosting"]}
    older = _post_submission(live_url, raw_key, {"form_id": "quote", "fields": {"name": "Older one"}})
    status, body = _post_submission(live_url, raw_key, {"form_id": "contact", "fields": fields,
                                                        "meta": {"page_url": "https://www.browser-shop.example/contact"}})
    assert status == 202 and body["status"] == "accepted" and older[0] == 202

    page.click("nav >> text=Submissions")
    first_row = page.locator("table.submissions tbody tr").first
    assert "contact" in first_row.inner_text() and "Grace Hopper" in first_row.inner_text()
    assert page.locator("table.submissions tbody tr").count() == 2

    first_row.locator("a").first.click()
    details = page.get_by_test_id("fields").inner_text()
    for name in fields:
        assert name in details
    for value in ["Grace Hopper", "grace@example.com", "Ship it", "second line", "design", "hosting"]:
        assert value in details
    assert body["id"] in page.content()

    page.click("nav >> text=Submissions")
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    download = download_info.value
    assert download.suggested_filename == "submissions.csv"
    content = open(download.path(), encoding="utf-8-sig").read()
    lines = content.strip().splitlines()
    assert lines[0].startswith("id,received_at,form_id")
    assert body["id"] in lines[1] and "Grace Hopper" in lines[1] and "design, hosting" in content
