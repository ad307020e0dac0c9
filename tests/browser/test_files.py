"""Done means (issue 13): a tenant's public form with a file, posted by Chromium from a page
of the site's own domain through /f/{siteId}/{formId}; the tenant sees the file on the
submission page and downloads it; the delivery worker sends the webhook, and the loopback
receiver fetches the file through the signed link in the payload."""
import hashlib
from pathlib import Path
from urllib.parse import urlparse

from portal.delivery import worker
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.delivery_setup.destinations import destination_secret_reveal
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import Receiver, make_destination
from tests.factories.ingest import make_site

BRIEF = b"%PDF-1.7\n" + b"Quote request brief, page 1.\n" * 400 + b"%%EOF\n"


def test_a_file_posted_by_a_browser_form_is_shown_downloaded_and_fetched_by_the_webhook_receiver(
        page, live_url, settings, tmp_path, request):
    tenant, user = make_tenant(organization="Files Agency")
    site = make_site(tenant, domain="quotes.example")
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(BRIEF)
    receiver = Receiver(fetch_files=True)
    request.addfinalizer(receiver.stop)
    destination = make_destination(tenant, user, name="CRM", url=receiver.url)
    receiver.secrets = [destination_secret_reveal(tenant=tenant, actor=user.email, destination=destination)]
    # The agency's WordPress page: a plain HTML form on the site's own domain.
    form_html = (f'<!doctype html><form method="post" enctype="multipart/form-data" '
                 f'action="{live_url}/f/{site.id}/quote"><input name="name" value="Ada">'
                 f'<input type="file" name="brief"><button type="submit">Send</button></form>')
    page.route("http://quotes.example/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                         body=form_html))
    page.goto("http://quotes.example/quote/")
    page.set_input_files("input[name=brief]", str(brief))
    page.click("text=Send")
    page.wait_for_url(f"{live_url}/f/**")
    assert page.locator("h1").inner_text() == "Thank you!"

    submission, = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), limit=5).items
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.goto(f"/submissions/{submission.id}/")
    row = page.locator("tr.file-row")
    assert row.count() == 1
    assert "brief.pdf" in row.inner_text() and "application/pdf" in row.inner_text()
    with page.expect_download() as download_info:
        page.click("a.file-download")
    download = download_info.value
    assert download.suggested_filename == "brief.pdf"
    assert Path(download.path()).read_bytes() == BRIEF

    # The delivery worker (in this process, so its links name the live server) sends the webhook;
    # the receiver downloads the file through the signed link in the payload.
    settings.SITE_URL = live_url
    assert worker.run_once(worker_id="files-browser-test") == 1
    receiver.wait_for(1)
    delivered = receiver.received[-1]
    assert delivered.verified, delivered.error
    described, = delivered.json["data"]["files"]
    assert (described["name"], described["size"]) == ("brief.pdf", len(BRIEF))
    assert described["sha256"] == hashlib.sha256(BRIEF).hexdigest()
    assert delivered.files == [BRIEF]
