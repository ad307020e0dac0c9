"""Done means: a tenant adds a webhook destination pointing at a local receiver, sends a test
event and sees it succeed, a submission is delivered by the worker with a signature the
receiver verifies, a failing destination shows its failed attempts, and a manual retry
succeeds once the receiver recovers. Submissions are posted to the ingest API over HTTP."""
import json
import urllib.request
from urllib.parse import urlparse

from portal.delivery import worker
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import Receiver
from tests.factories.ingest import make_key


def _post_submission(live_url, raw_key, fields):
    request = urllib.request.Request(
        f"{live_url}/api/v1/submissions", method="POST",
        data=json.dumps({"form_id": "contact", "fields": fields}).encode(),
        headers={"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        return json.loads(response.read())["id"]


def _sign_in(page, user):
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def test_tenant_sets_up_a_webhook_tests_it_and_watches_deliveries_fail_and_recover(page, live_url):
    tenant, user = make_tenant(organization="Browser Agency")
    _, raw_key = make_key(tenant)
    with Receiver() as receiver:
        _sign_in(page, user)
        page.goto("/destinations/")
        page.click("text=Add destination")
        page.fill("input[name=name]", "Local CRM")
        page.fill("input[name=url]", receiver.url)
        page.click("text=Create destination")
        page.wait_for_url("**/destinations/*/")
        detail_url = page.url
        assert page.locator("h1").inner_text() == "Local CRM"

        page.click("text=Reveal signing secret")
        receiver.secrets = [page.locator("#signing-secret").inner_text().strip()]
        assert receiver.secrets[0].startswith("whsec_")
        page.goto(detail_url)

        page.click("text=Send test event")
        assert "Test event delivered (HTTP 200" in page.locator(".message-success").inner_text()
        assert page.locator("#attempt-log tr.attempt-ok").count() == 1
        assert receiver.received[-1].verified and receiver.received[-1].json["type"] == "test.ping"

        submission_id = _post_submission(live_url, raw_key, {"name": "Ada", "message": "Quote please"})
        assert worker.run_once(worker_id="browser-test") == 1
        delivered = receiver.received[-1]
        assert delivered.verified, delivered.error
        assert delivered.json["data"]["fields"]["message"] == "Quote please"
        page.goto(f"/submissions/{submission_id}/deliveries/")
        assert page.locator("#delivery-status").inner_text().strip() == "delivered"

        receiver.mode = "fail"
        failing_id = _post_submission(live_url, raw_key, {"name": "Bob"})
        assert worker.run_once(worker_id="browser-test") == 1
        page.goto(detail_url)
        page.select_option("select[name=outcome]", "failed")
        page.click("text=Filter")
        assert page.locator("#attempt-log tr.attempt-failed").count() == 1
        assert "HTTP 500" in page.locator("#attempt-log").inner_text()
        assert page.locator("#health").inner_text().strip().startswith("failing")

        receiver.mode = "ok"
        page.goto(f"/submissions/{failing_id}/deliveries/")
        page.click("text=Retry now")
        assert "Retry: delivered (attempt 2)" in page.locator(".message-success").inner_text()
        assert page.locator("#delivery-status").inner_text().strip() == "delivered"
        assert receiver.received[-1].verified
        page.goto(detail_url)
        assert page.locator("#health").inner_text().strip() == "healthy"
