"""Files (issue 13), fast: names and types of received files, and the production storage path,
Amazon S3 through django-storages, on moto's in-process S3 (the integration suite uses the
local disk): objects written with server-side encryption, presigned attachment redirects,
deletion, and the sweeper over a bucket."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from ulid import ULID
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client

from portal.dynamo.base import utcnow
from portal.selectors.access import access_submission
from portal.files.links import file_link, file_redirect_url
from portal.services.ingest import files as files_service
from portal.services.ingest.files import display_name, field_name, files_sweep, sent_type, sniffed_type
from tests.factories.accounts import make_tenant

BUCKET = "formbridge-test-files"


@pytest.mark.parametrize("raw, shown", [
    ("cv.pdf", "cv.pdf"), ("../../etc/passwd", "passwd"), ("C:\\Users\\ada\\cv.docx", "cv.docx"),
    ("bad\x00na\x1bme\u202e.exe", "badname.exe"), ("", "file"), ("..", "file"), ("e\u0301te.txt", "\u00e9te.txt"),
    ("x" * 300 + ".pdf", "x" * 195 + "….pdf"),
])
def test_display_names_are_safe_to_show_and_never_paths(raw, shown):
    assert display_name(raw) == shown


def test_part_names_map_to_form_fields_and_types_are_sniffed():
    assert [field_name(n) for n in ("fields[cv]", "cv", "photos[]", "fields[photos][]", "")] == [
        "cv", "cv", "photos", "photos", "file"]
    assert sent_type("Image/PNG") == "image/png" and sent_type("nonsense") == "application/octet-stream"
    assert sent_type('text/html"><script>') == "application/octet-stream"
    assert sniffed_type(b"%PDF-1.4\n...") == "application/pdf"
    assert sniffed_type(b"\x89PNG\r\n\x1a\n" + b"\0" * 16) == "image/png"
    assert sniffed_type(b"just some text") is None and sniffed_type(b"") is None


@pytest.fixture
def s3_files(moto_ddb, settings):
    """moto's S3 (inside the module's mock_aws) as the files storage, configured like production."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)  # the module's mock keeps it: empty it for this test
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    settings.STORAGES = {**settings.STORAGES, "files": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "location": "files", "region_name": "us-east-1", "default_acl": None,
        "file_overwrite": False, "querystring_auth": True, "querystring_expire": 60,
        "object_parameters": {"ServerSideEncryption": "AES256"}, "signature_version": "s3v4"}}}
    yield s3


def _received(content: bytes, name: str = "cv.pdf"):
    temp = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
    temp.write(content)
    temp.seek(0)
    return files_service.ReceivedFile(field="cv", name=name, sent_type="application/pdf", temp=temp,
                                      size=len(content), sha256=hashlib.sha256(content).hexdigest(), head=content[:64])


def _keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_files_go_to_s3_encrypted_under_the_prefix_and_download_by_presigned_redirect(s3_files):
    tenant, _ = make_tenant()
    content = b"%PDF-1.7\n" + b"z" * 5000
    received = [_received(content)]
    result = files_service.submission_ingest_with_files(tenant=tenant, form_id="jobs", fields={"a": "b"}, meta={},
                                                        received=received)
    files_service.received_discard(received)
    stored = access_submission(tenant=tenant, submission_id=result.submission_id).files[0]
    key = f"files/{tenant.id}/{result.submission_id}/0"
    assert _keys(s3_files) == [key]
    head = s3_files.head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "AES256" and head["ContentLength"] == len(content)
    # The signed portal link answers with a short presigned S3 URL that downloads as an attachment.
    url = file_redirect_url(stored)
    query = parse_qs(urlsplit(url).query)
    assert query["response-content-disposition"] == ['attachment; filename="cv.pdf"']
    assert query["response-content-type"] == ["application/octet-stream"] and query["X-Amz-Expires"] == ["60"]
    response = Client().get(file_link(tenant_id=tenant.id, submission_id=result.submission_id, index=0,
                                      seconds=60).url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert BUCKET in location.netloc + location.path and location.path.endswith(key)
    assert "response-content-disposition" in parse_qs(location.query)
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_sweeper_removes_unreferenced_objects_from_the_bucket(s3_files):
    tenant, _ = make_tenant()
    kept = files_service.submission_ingest_with_files(tenant=tenant, form_id="f", fields={"a": "b"}, meta={},
                                                      received=[_received(b"kept")], now=utcnow() - timedelta(hours=3))
    orphan_id = files_service.files_store(tenant_id=tenant.id, submission_id=str(
        ULID.from_datetime(utcnow() - timedelta(hours=3))), received=[_received(b"orphan")])
    young = files_service.files_store(tenant_id=tenant.id, submission_id=str(ULID()),
                                      received=[_received(b"in flight")])
    assert len(_keys(s3_files)) == 3
    report = files_sweep()
    assert (report.removed, report.kept) == (1, 1)
    assert _keys(s3_files) == sorted([f"files/{tenant.id}/{kept.submission_id}/0", f"files/{young[0].key}"])
    assert orphan_id[0].key not in [k.removeprefix("files/") for k in _keys(s3_files)]
