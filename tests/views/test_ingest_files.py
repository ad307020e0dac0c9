"""Files with submissions (issue 13), on DynamoDB Local and the local disk storage: multipart
file parts on both ingest endpoints, every limit and failure path (nothing stored, no orphan
bytes, no temporary file left), the crash between the bytes and the transaction and the
sweeper, signed download links (isolation, expiry), webhook and e-mail payloads, exports and
the month's file storage against the plan."""
from __future__ import annotations

import hashlib
import json
import os
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

from ulid import ULID

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from portal.delivery.email_message import notification_email
from portal.delivery.payloads import submission_event
from portal.dynamo.destinations import Destination
from portal.dynamo.base import utcnow
from portal.selectors.access import access_submission
from portal.files.links import file_link
from portal.selectors.billing.plans import plan_usage, usage_month
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.ingest import files as files_service
from portal.services.ingest.files import files_sweep
from portal.services.submissions import submission_delete
from portal.services.billing.tenants import tenant_delete, tenant_status_change
from portal.dynamo.tenants import SUSPENDED
from portal.views.ingest.endpoints import api_submissions
from tests.factories.accounts import PASSWORD, make_product, make_tenant
from tests.factories.ingest import make_key, make_site

URL = "/api/v1/submissions"
PDF = b"%PDF-1.7\n" + b"0123456789" * 300 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _root() -> Path:
    return Path(django_settings.STORAGES["files"]["OPTIONS"]["location"])


def _stored_bytes(tenant) -> list[Path]:
    # os.walk skips folders removed while it walks (a sweeper thread may be at work).
    return sorted(Path(folder) / name for folder, _dirs, names in os.walk(_root() / tenant.id) for name in names)


def _stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), limit=100).items


def _problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["type"].endswith(f"/api/problems/{slug}")
    return body


def _client(user):
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def uploads(settings, tmp_path):
    """File storage of this test alone (a sweep sees only its files), and temporary upload
    files in a folder of this test, so a test can see none is left."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    return folder


def _tenant(**quotas):
    tenant, user = make_tenant(product=make_product(**quotas))
    key, raw = make_key(tenant)
    return tenant, user, key, raw


def _post(raw, data, **headers):
    return Client().post(URL, data=data, HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)


def test_multipart_files_are_stored_with_their_metadata_and_counted(ddb, uploads):
    tenant, user, key, raw = _tenant()
    response = _post(raw, {"form_id": "jobs", "fields[name]": "Ada",
                           "fields[cv]": SimpleUploadedFile("../../etc/Ada\x07 CV.pdf", PDF, content_type="image/png"),
                           "photos[]": [SimpleUploadedFile("a.png", PNG, content_type="image/png"),
                                        SimpleUploadedFile("b.png", PNG[:100], content_type="nonsense")]})
    assert response.status_code == 202, response.content
    stored = access_submission(tenant=tenant, submission_id=response.json()["id"])
    assert stored.fields == {"name": "Ada"}
    cv, first, second = stored.files
    assert (cv.field, cv.name, cv.size, cv.sentType, cv.sniffedType) == ("cv", "Ada CV.pdf", len(PDF), "image/png",
                                                                          "application/pdf")
    assert cv.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (first.field, first.sniffedType, second.sentType) == ("photos", "image/png", "application/octet-stream")
    # Keys are ids, never the sent name; the bytes are exactly what was sent.
    assert cv.key == f"{tenant.id}/{stored.id}/0" and "etc" not in cv.key
    assert (_root() / cv.key).read_bytes() == PDF
    assert len(_stored_bytes(tenant)) == 3
    usage = usage_month(tenant_id=tenant.id)
    assert (usage.files, usage.file_bytes, usage.submissions) == (3, len(PDF) + len(PNG) + 100, 1)
    assert list(uploads.iterdir()) == []  # temporary copies gone


def test_a_browser_form_posts_a_file_through_the_public_form_endpoint(ddb, uploads):
    tenant, user = make_tenant(product=make_product())
    site = make_site(tenant, domain="jobs.example")
    response = Client().post(f"/f/{site.id}/apply", data={"name": "Grace", "cv": SimpleUploadedFile("cv.pdf", PDF)},
                             HTTP_ORIGIN="https://jobs.example", HTTP_ACCEPT="application/json")
    assert response.status_code == 202, response.content
    stored = access_submission(tenant=tenant, submission_id=response.json()["id"])
    assert stored.formId == "apply" and stored.fields == {"name": "Grace"}
    assert [(f.field, f.name, f.size) for f in stored.files] == [("cv", "cv.pdf", len(PDF))]


def test_a_submission_of_only_a_file_is_accepted(ddb, uploads):
    tenant, user, key, raw = _tenant()
    response = _post(raw, {"form_id": "upload", "file": SimpleUploadedFile("x.bin", b"\x00\x01\x02")})
    assert response.status_code == 202
    assert access_submission(tenant=tenant, submission_id=response.json()["id"]).fields == {}


@pytest.mark.parametrize("case", ["one file too large", "all files too large", "too many files"])
def test_every_file_limit_refuses_with_a_problem_naming_the_file_and_stores_nothing(ddb, uploads, case):
    tenant, user, key, raw = _tenant(max_file_mb=1, max_submission_files_mb=2, max_files=3)
    mb = 1024 * 1024
    files = {
        "one file too large": [("small.txt", 10), ("huge.pdf", mb + 1)],
        "all files too large": [("a.bin", mb - 10), ("b.bin", mb - 10), ("c.bin", 100)],
        "too many files": [("1.txt", 1), ("2.txt", 1), ("3.txt", 1), ("4th.txt", 1)],
    }[case]
    data = {"form_id": "f", "fields[a]": "b",
            "files[]": [SimpleUploadedFile(name, b"x" * size) for name, size in files]}
    response = _post(raw, data)
    status, slug, named = {"one file too large": (413, "file-too-large", "huge.pdf"),
                           "all files too large": (413, "files-too-large", "c.bin"),
                           "too many files": (422, "too-many-files", "4th.txt")}[case]
    assert named in _problem(response, status, slug)["detail"]
    assert _stored(tenant) == [] and _stored_bytes(tenant) == []
    assert list(uploads.iterdir()) == []
    assert usage_month(tenant_id=tenant.id).file_bytes == 0


def test_content_length_over_the_plans_limit_is_refused_before_reading(ddb, uploads):
    tenant, user, key, raw = _tenant(max_file_mb=1, max_submission_files_mb=1)

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

    request = RequestFactory().post(URL, data=b"", content_type="multipart/form-data; boundary=xyz",
                                    HTTP_AUTHORIZATION=f"Bearer {raw}")
    request.META["CONTENT_LENGTH"] = str(5 * 1024 * 1024)
    request._stream = Unreadable()
    response = api_submissions(request)
    _problem(response, 413, "body-too-large")
    assert _stored(tenant) == []


def test_a_20_mb_upload_streams_with_python_allocations_under_5_mb(ddb, uploads):
    """The memory bound: a 20 MB file never sits in memory; chunks of 64 KB are hashed and
    written on the way (tracemalloc's peak counts every Python allocation while the view runs)."""
    tenant, user, key, raw = _tenant(max_file_mb=25, max_submission_files_mb=25)
    content = os.urandom(1024) * (20 * 1024)
    request = RequestFactory().post(URL, data={"form_id": "big", "fields[a]": "b",
                                               "fields[video]": SimpleUploadedFile("big.mov", content)},
                                    HTTP_AUTHORIZATION=f"Bearer {raw}")
    digest = hashlib.sha256(content).hexdigest()
    del content
    tracemalloc.start()
    try:
        response = api_submissions(request)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 202, response.content
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    stored = access_submission(tenant=tenant, submission_id=json.loads(response.content)["id"]).files[0]
    assert stored.size == 20 * 1024 * 1024 and stored.sha256 == digest


def test_over_the_months_file_storage_uploads_get_429_and_fields_only_submissions_still_work(ddb, uploads):
    tenant, user, key, raw = _tenant(monthly_file_storage_mb=1)
    first = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("one.bin", b"x" * 700_000)})
    assert first.status_code == 202
    refused = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("two.bin", b"x" * 700_000)})
    _problem(refused, 429, "file-storage-quota-exceeded")
    assert int(refused["Retry-After"]) > 0
    assert len(_stored(tenant)) == 1 and len(_stored_bytes(tenant)) == 1
    assert _post(raw, {"form_id": "f", "fields[name]": "no file"}).status_code == 202
    # The plan page shows the month's file storage against the quota.
    page = _client(user).get("/account/plan/").content.decode()
    assert "683.6\xa0KB" in page and "1.0\xa0MB" in page and "file storage is used up" not in page
    plan = plan_usage(tenant=tenant)
    assert plan.usage.file_bytes == 700_000 and plan.file_quota == 1024 * 1024


def test_a_refused_submission_removes_its_bytes_at_once(ddb, uploads):
    tenant, user, key, raw = _tenant(monthly_submissions=1)
    assert _post(raw, {"form_id": "f", "fields[a]": "b"}).status_code == 202
    response = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("late.pdf", PDF)})
    _problem(response, 429, "monthly-quota-exceeded")
    assert _stored_bytes(tenant) == []


def test_a_crash_between_the_bytes_and_the_transaction_leaves_only_bytes_the_sweeper_removes(ddb, uploads, monkeypatch):
    tenant, user, key, raw = _tenant()
    kept = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("kept.pdf", PDF)})
    assert kept.status_code == 202

    def crash(**kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(files_service, "submission_ingest", crash)
    with pytest.raises(RuntimeError):
        _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("orphan.pdf", PDF)})
    monkeypatch.undo()
    assert len(_stored(tenant)) == 1  # never a submission without its bytes
    assert len(_stored_bytes(tenant)) == 2  # the orphan's bytes are still there
    # Inside the grace period nothing is touched (it could be an ingest in flight).
    assert files_sweep().removed == 0 and len(_stored_bytes(tenant)) == 2
    report = files_sweep(now=utcnow() + timedelta(hours=2))
    assert (report.removed, report.kept) == (1, 1)
    remaining, = _stored_bytes(tenant)
    stored = access_submission(tenant=tenant, submission_id=kept.json()["id"])
    assert remaining == _root() / stored.files[0].key and remaining.read_bytes() == PDF


def test_files_leave_with_their_submission_deleted_or_expired(ddb, uploads):
    tenant, user, key, raw = _tenant(retention_days=30)
    deleted = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("gone.pdf", PDF)}).json()["id"]
    submission = access_submission(tenant=tenant, submission_id=deleted)
    link = file_link(tenant_id=tenant.id, submission_id=deleted, index=0, seconds=600).url
    submission_delete(tenant=tenant, actor="tests", submission=submission)
    assert _stored_bytes(tenant) == []
    assert Client().get(link).status_code == 404
    # Retention: a submission past its TTL is gone for readers, and the sweeper removes its bytes.
    old = utcnow() - timedelta(days=31)
    files_service.submission_ingest_with_files(
        tenant=tenant, form_id="f", fields={"a": "b"}, meta={}, now=old,
        received=[received := _received(b"old bytes", uploads)])
    files_service.received_discard([received])
    assert len(_stored_bytes(tenant)) == 1
    assert files_sweep().removed == 1 and _stored_bytes(tenant) == []


def _received(content: bytes, folder: Path):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    temp = TemporaryUploadedFile("x.bin", "application/octet-stream", len(content), None)
    temp.write(content)
    temp.seek(0)
    return files_service.ReceivedFile(field="doc", name="x.bin", sent_type="application/octet-stream", temp=temp,
                                      size=len(content), sha256=hashlib.sha256(content).hexdigest(), head=content[:64])


def test_the_same_idempotency_key_replays_and_leaves_no_second_copy(ddb, uploads):
    tenant, user, key, raw = _tenant()

    def send(content):
        return _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("a.pdf", content)}, HTTP_IDEMPOTENCY_KEY="k-1")

    first, again = send(PDF), send(PDF)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert len(_stored_bytes(tenant)) == 1
    _problem(send(PDF + b"changed"), 422, "idempotency-key-reused")
    assert len(_stored_bytes(tenant)) == 1


def test_only_the_owning_tenant_gets_a_link_and_downloads_are_hardened_attachments(ddb, uploads):
    a, a_user, key, raw = _tenant()
    b, b_user = make_tenant()
    sub = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("brief <1>.html", b"<script>alert(1)</script>",
                                                                content_type="text/html")}).json()["id"]
    owner, other = _client(a_user), _client(b_user)
    page = owner.get(f"/submissions/{sub}/").content.decode()
    assert "brief &lt;1&gt;.html" in page and f"/submissions/{sub}/files/0/" in page
    assert other.get(f"/submissions/{sub}/files/0/").status_code == 404
    assert owner.get(f"/submissions/{sub}/files/1/").status_code == 404
    assert owner.get(f"/submissions/{sub}/files/x/").status_code == 404
    assert Client().get(f"/submissions/{sub}/files/0/").status_code == 302  # to the sign-in page
    assert "/login/" in Client().get(f"/submissions/{sub}/files/0/")["Location"]
    redirect = owner.get(f"/submissions/{sub}/files/0/")
    assert redirect.status_code == 302 and "/files/" in redirect["Location"]
    download = Client().get(redirect["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_expired_and_forged_links_are_refused(ddb, uploads):
    tenant, user, key, raw = _tenant()
    sub = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("a.pdf", PDF)}).json()["id"]
    expired = file_link(tenant_id=tenant.id, submission_id=sub, index=0, seconds=60, now=time.time() - 120).url
    assert Client().get(expired).status_code == 410
    good = file_link(tenant_id=tenant.id, submission_id=sub, index=0, seconds=60).url
    assert Client().get(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")).status_code == 404
    other, _ = make_tenant()
    # A link naming another tenant (as if forged) finds nothing: the signature binds the tenant.
    assert Client().get(file_link(tenant_id=other.id, submission_id=sub, index=0, seconds=60).url).status_code == 404


def test_links_stop_working_while_the_tenant_is_suspended_and_once_it_is_deleted(ddb, uploads):
    tenant, user, key, raw = _tenant()
    sub = _post(raw, {"form_id": "f", "doc": SimpleUploadedFile("a.pdf", PDF)}).json()["id"]
    link = file_link(tenant_id=tenant.id, submission_id=sub, index=0, seconds=3600).url  # as a webhook got it
    assert Client().get(link).status_code == 200

    tenant = tenant_status_change(tenant=tenant, actor="staff@example.com", version=None, to_status=SUSPENDED,
                                  reason="unpaid")
    refused = Client().get(link)
    assert refused.status_code == 403 and b"suspended" in refused.content
    assert not getattr(refused, "streaming", False) and PDF[:20] not in refused.content

    tenant = tenant_status_change(tenant=tenant, actor="staff@example.com", version=None,
                                  to_status=tenant.next_statuses[0])
    assert Client().get(link).status_code == 200  # reactivated: the same link works again

    tenant_delete(tenant=tenant, actor="staff@example.com")
    assert Client().get(link).status_code == 404


def test_webhook_payloads_list_files_with_fresh_links_the_receiver_can_fetch(ddb, uploads):
    tenant, user, key, raw = _tenant()
    sub = _post(raw, {"form_id": "f", "fields[a]": "b", "doc": SimpleUploadedFile("a.pdf", PDF)}).json()["id"]
    submission = access_submission(tenant=tenant, submission_id=sub)
    first = submission_event(submission)["data"]["files"]
    assert [(f["field"], f["name"], f["size"], f["sniffed_type"], f["sha256"]) for f in first] == [
        ("doc", "a.pdf", len(PDF), "application/pdf", hashlib.sha256(PDF).hexdigest())]
    expires = first[0]["url_expires_at"]
    assert timedelta(days=6, hours=23) < (
        datetime.fromisoformat(expires) - utcnow()) <= timedelta(days=7)
    assert b"".join(Client().get(first[0]["url"]).streaming_content) == PDF
    time.sleep(1.1)
    assert submission_event(submission)["data"]["files"][0]["url"] != first[0]["url"]  # a re-send: a new link
    assert "files" in submission_event(access_submission(
        tenant=tenant, submission_id=_post(raw, {"form_id": "f", "fields[a]": "b"}).json()["id"]))["data"]


def test_email_attaches_files_up_to_the_total_and_links_the_rest(ddb, uploads, settings):
    settings.FILES_EMAIL_ATTACH_MAX_BYTES = len(PDF) + 10
    tenant, user, key, raw = _tenant()
    sub = _post(raw, {"form_id": "f", "fields[a]": "b", "files[]": [SimpleUploadedFile("first.pdf", PDF),
                                                                     SimpleUploadedFile("second.png", PNG)]}).json()["id"]
    event = submission_event(access_submission(tenant=tenant, submission_id=sub))
    message = notification_email(event=event, tenant=tenant, destination=Destination(
        tenantId=tenant.id, name="Inbox", recipients=["x@example.com"]))
    assert [(name, content) for name, content, _type in message.attachments] == [("first.pdf", PDF)]
    assert "second.png" in message.body and event["data"]["files"][1]["url"] in message.body
    assert "first.pdf (attached)" in message.body


def test_exports_name_the_files_and_their_sizes(ddb, uploads):
    tenant, user, key, raw = _tenant()
    _post(raw, {"form_id": "f", "fields[a]": "b", "doc": SimpleUploadedFile("a.pdf", PDF)})
    client = _client(user)
    csv_text = b"".join(client.get("/submissions/export.csv").streaming_content).decode()
    header, row = csv_text.lstrip("\ufeff").splitlines()[:2]
    assert header.endswith(",files") and row.endswith(f"a.pdf ({len(PDF)} bytes)")
    line = json.loads(b"".join(client.get("/submissions/export.jsonl").streaming_content).decode().splitlines()[0])
    assert line["files"] == [{"field": "doc", "name": "a.pdf", "size": len(PDF), "content_type": "application/pdf"}]


def test_the_pricing_page_shows_each_plans_file_limits(ddb):
    make_product(name="Files Plan", max_file_mb=15, max_submission_files_mb=40, max_files=7, monthly_file_storage_mb=2048)
    page = Client().get("/pricing/").content.decode()
    assert "up to 7 per submission, 15 MB each, 40 MB together" in page and "2.0\xa0GB of file uploads" in page


def test_staff_set_file_quotas_and_an_edit_without_them_keeps_them(ddb):
    from portal.services.billing.products import product_update

    product = make_product(max_file_mb=3, max_files=4)
    assert (product.quotas.maxFileMb, product.quotas.maxFilesPerSubmission, product.quotas.maxSubmissionFilesMb) == (
        3, 4, 25)
    values = dict(actor="tests", product=product, version=product.version, name=product.name, price=product.price,
                  currency="EUR", billing_cycle=product.billingCycle, description="", features=[],
                  monthly_submissions=1000, max_destinations=3, max_sites=3, retention_days=30)
    product = product_update(**values)  # a caller from before files existed
    assert (product.quotas.maxFileMb, product.quotas.maxFilesPerSubmission) == (3, 4)
    product = product_update(**{**values, "product": product, "version": product.version, "max_file_mb": 7,
                                "max_files": None})
    assert (product.quotas.maxFileMb, product.quotas.maxFilesPerSubmission) == (7, 4)


def test_the_sweep_command_and_the_workers_periodic_sweep_remove_orphans(ddb, uploads, settings):
    import threading
    from io import StringIO

    from django.core.management import call_command

    from portal.management.commands.deliver import sweep_files_periodically

    tenant, user, key, raw = _tenant()
    past = str(ULID.from_datetime(utcnow() - timedelta(hours=2)))
    files_service.files_store(tenant_id=tenant.id, submission_id=past, received=[received := _received(b"1", uploads)])
    files_service.received_discard([received])
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert "1 file(s) examined, 1 removed, 0 kept." in out.getvalue() and _stored_bytes(tenant) == []
    # The delivery worker's sweeper thread does the same every FILES_SWEEP_INTERVAL_SECONDS.
    files_service.files_store(tenant_id=tenant.id, submission_id=past, received=[received := _received(b"2", uploads)])
    files_service.received_discard([received])
    stop = threading.Event()
    thread = threading.Thread(target=sweep_files_periodically, args=(stop, 0.05), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while _stored_bytes(tenant) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    assert _stored_bytes(tenant) == [] and not thread.is_alive()
