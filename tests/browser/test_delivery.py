"""Done means: a tenant adds a webhook destination pointing at a local receiver, sends a test
event and sees it succeed, a submission is delivered by the worker with a signature the
receiver verifies, a failing destination shows its failed attempts, and a manual retry
succeeds once the receiver recovers. (Submissions come from the test factory that mirrors
ingest until the ingest API is merged.)"""
from urllib.parse import urlparse

from portal.delivery import worker
from tests.factories import PASSWORD, make_tenant
from tests.factories_delivery import Receiver, make_submission


def _sign_in(page, user):
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def test_tenant_sets_up_a_webhook_tests_it_and_watches_deliveries_fail_and_recover(page):
    tenant, user = make_tenant(organization="Browser Agency")
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

        submission, _ = make_submission(tenant, fields={"name": "Ada", "message": "Quote please"})
        assert worker.run_once(worker_id="browser-test") == 1
        delivered = receiver.received[-1]
        assert delivered.verified, delivered.error
        assert delivered.json["data"]["fields"]["message"] == "Quote please"
        page.goto(f"/submissions/{submission.id}/deliveries/")
        assert page.locator("#delivery-status").inner_text().strip() == "delivered"

        receiver.mode = "fail"
        failing, _ = make_submission(tenant, fields={"name": "Bob"})
        assert worker.run_once(worker_id="browser-test") == 1
        page.goto(detail_url)
        page.select_option("select[name=outcome]", "failed")
        page.click("text=Filter")
        assert page.locator("#attempt-log tr.attempt-failed").count() == 1
        assert "HTTP 500" in page.locator("#attempt-log").inner_text()
        assert page.locator("#health").inner_text().strip().startswith("failing")

        receiver.mode = "ok"
        page.goto(f"/submissions/{failing.id}/deliveries/")
        page.click("text=Retry now")
        assert "Retry: delivered (attempt 2)" in page.locator(".message-success").inner_text()
        assert page.locator("#delivery-status").inner_text().strip() == "delivered"
        assert receiver.received[-1].verified
        page.goto(detail_url)
        assert page.locator("#health").inner_text().strip() == "healthy"
