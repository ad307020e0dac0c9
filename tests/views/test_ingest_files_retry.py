"""A request with files and an Idempotency-Key whose process is killed (SIGKILL, no cleanup)
around its transaction, then retried: the stored submission always points at bytes that exist,
the sweeper never takes them, and the dead request's own bytes are the only thing it removes.
The killed request runs in a child process on the same DynamoDB Local and file storage."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.dynamo.base import utcnow
from portal.dynamo.expiring import IngestGuards
from portal.selectors.access import access_submission
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.ingest.files import files_sweep
from portal.services.ingest.store import idempotency_digest, request_fingerprint
from tests.conftest import INTEGRATION_PREFIX
from tests.factories.accounts import make_product, make_tenant
from tests.factories.ingest import make_key

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/submissions"
PDF = b"%PDF-1.7\n" + b"retry me " * 200 + b"\n%%EOF\n"

# The child: one ingest request through the real view, killed by SIGKILL just before its
# transaction is sent ("before") or just after DynamoDB confirmed it ("after").
CHILD = textwrap.dedent("""
    import os, signal, sys
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from portal.services.ingest import store

    mode, raw_key, key = sys.argv[1], sys.argv[2], sys.argv[3]
    real = store.transact

    def transact(actions, **kwargs):
        if mode == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        answer = real(actions, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return answer

    store.transact = transact
    Client(SERVER_NAME="localhost").post(
        "/api/v1/submissions", {"form_id": "jobs", "fields[name]": "Ada",
                                "cv": SimpleUploadedFile("cv.pdf", open(sys.argv[4], "rb").read())},
        HTTP_AUTHORIZATION="Bearer " + raw_key, HTTP_IDEMPOTENCY_KEY=key)
    sys.exit(3)  # not reached: the process is killed inside the ingest
""")


@pytest.fixture
def files_root(settings, tmp_path):
    root = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def _killed_request(mode: str, raw: str, key: str, *, endpoint: str, root: Path, tmp_path: Path) -> None:
    upload = tmp_path / "cv.pdf"
    upload.write_bytes(PDF)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DYNAMODB_ENDPOINT_URL": endpoint,
           "DYNAMODB_TABLE_PREFIX": INTEGRATION_PREFIX, "FILES_LOCAL_ROOT": str(root),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}"}
    child = subprocess.run([sys.executable, "-c", CHILD, mode, raw, key, str(upload)], env=env, cwd=ROOT,
                           capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]


def _bytes_on_disk(root: Path, tenant) -> list[Path]:
    return sorted(p for p in (root / tenant.id).rglob("*") if p.is_file()) if (root / tenant.id).exists() else []


def _retry(raw: str, key: str):
    return Client().post(URL, {"form_id": "jobs", "fields[name]": "Ada", "cv": SimpleUploadedFile("cv.pdf", PDF)},
                         HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_IDEMPOTENCY_KEY=key)


def _assert_the_one_submission_keeps_its_bytes(tenant, answer, root: Path) -> None:
    stored = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), limit=10).items
    assert [s.id for s in stored] == [answer.json()["id"]]
    submission = access_submission(tenant=tenant, submission_id=answer.json()["id"])
    target = root / submission.files[0].key
    assert target.read_bytes() == PDF
    # Past the sweeper's grace period: whatever the dead request left goes, the stored one's stays.
    files_sweep(now=utcnow() + timedelta(hours=2))
    assert _bytes_on_disk(root, tenant) == [target] and target.read_bytes() == PDF


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_request_killed_around_its_transaction_and_retried_keeps_the_bytes_it_points_at(
        ddb, files_root, tmp_path, moment):
    tenant, _user = make_tenant(product=make_product())
    _key, raw = make_key(tenant)
    _killed_request(moment, raw, "wp-queue-7", endpoint=ddb, root=files_root, tmp_path=tmp_path)
    assert len(_bytes_on_disk(files_root, tenant)) == 1  # the dead request wrote its bytes first

    answer = _retry(raw, "wp-queue-7")
    assert answer.status_code == 202, answer.content
    assert (answer.get("Idempotent-Replayed") == "true") == (moment == "after")
    _assert_the_one_submission_keeps_its_bytes(tenant, answer, files_root)
    again = _retry(raw, "wp-queue-7")
    assert again.json()["id"] == answer.json()["id"] and again["Idempotent-Replayed"] == "true"
    _assert_the_one_submission_keeps_its_bytes(tenant, answer, files_root)


def test_a_claim_left_without_its_submission_is_taken_over_with_the_retrys_bytes(ddb, files_root, tmp_path):
    """A claim written before its transaction (the way an earlier release claimed keys) by a
    request that then died: the retry's submission and bytes take the key over together."""
    tenant, _user = make_tenant(product=make_product())
    key, raw = make_key(tenant)
    first = _retry(raw, "probe")  # learns the request's fingerprint as ingest computes it
    stored = access_submission(tenant=tenant, submission_id=first.json()["id"])
    fingerprint = request_fingerprint(site_id=stored.siteId, form_id="jobs", fields={"name": "Ada"},
                                      meta=stored.meta, files=stored.files)
    now = int(utcnow().timestamp())
    dead_id = "01J00000000000000000000000"
    client = IngestGuards._client()
    client.transact_write_items(TransactItems=[IngestGuards.idempotency_put_action(
        tenant_id=tenant.id, key_digest=idempotency_digest("wp-queue-9", key.id), submission_id=dead_id,
        now_epoch=now, expires_epoch=now + 3600, fingerprint=fingerprint)])
    dead_bytes = files_root / tenant.id / dead_id / "0"
    dead_bytes.parent.mkdir(parents=True)
    dead_bytes.write_bytes(PDF)

    answer = _retry(raw, "wp-queue-9")
    assert answer.status_code == 202 and answer.json()["id"] != dead_id
    submission = access_submission(tenant=tenant, submission_id=answer.json()["id"])
    assert (files_root / submission.files[0].key).read_bytes() == PDF
    files_sweep(now=utcnow() + timedelta(hours=2))
    assert not dead_bytes.exists() and (files_root / submission.files[0].key).read_bytes() == PDF
    assert _retry(raw, "wp-queue-9").json()["id"] == answer.json()["id"]
