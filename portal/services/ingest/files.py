"""Files that travel with a submission (issue 13): received in chunks while the multipart body
is parsed (hashed and counted on the way, never held whole in memory), checked against the
plan's limits, written to file storage (Django's storage API: `STORAGES["files"]`, the local
disk or S3) BEFORE the submission's transaction, and removed with their submission.

Durability order: bytes first, then the transaction. A crash in between leaves bytes no
submission references; `files_sweep` removes them after a grace period, so a submission never
points to missing bytes. Bytes are deleted at once only when the submission is known not to
be stored (a refusal, a cancelled transaction, an idempotent replay)."""
from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from ulid import ULID

from portal.dynamo.base import TransactionCancelled, utcnow
from portal.dynamo.submissions import StoredFile
from portal.dynamo.tenants import Tenant
from portal.files.links import BRAND_FOLDER, file_storage
from portal.selectors.billing.plans import plan_quotas, usage_month
from portal.selectors.submissions import submission_find
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.ingest.store import IngestRefused, IngestResult, submission_ingest

logger = logging.getLogger("portal")

SNIFF_BYTES = 8192  # enough of the start of a file for its magic numbers
NAME_MAX = 200
DEFAULT_TYPE = "application/octet-stream"
_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$")
_FIELD_PART = re.compile(r"^fields\[([^\]]*)\](\[\])?$")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class FileTooLarge(IngestRefused):
    def __init__(self, *, name: str, limit: int):
        super().__init__(f"The file {name!r} is larger than {_mb(limit)}, the largest file your plan accepts. "
                         "Nothing was stored.")
        self.file_name, self.limit = name, limit


class FilesTooLarge(IngestRefused):
    def __init__(self, *, name: str, limit: int):
        super().__init__(f"The files of this submission are larger than {_mb(limit)} together (at {name!r}), "
                         "more than your plan accepts per submission. Nothing was stored.")
        self.file_name, self.limit = name, limit


class TooManyFiles(IngestRefused):
    def __init__(self, *, name: str, limit: int):
        super().__init__(f"More than {limit} files in one submission (at {name!r}): your plan accepts at most "
                         f"{limit}. Nothing was stored.")
        self.file_name, self.limit = name, limit


class TextPartsTooLarge(IngestRefused):
    def __init__(self, *, limit: int):
        super().__init__(f"The text fields of this multipart body are larger than {limit // 1024} KB together.")
        self.limit = limit


class FileStorageQuotaExceeded(IngestRefused):
    def __init__(self, *, quota: int, retry_after: int):
        super().__init__(f"Your plan's file storage for this month ({_mb(quota)}) is used up: submissions with "
                         "files are accepted again next month (UTC), or upgrade your plan. Submissions without "
                         "files are still accepted.")
        self.quota, self.retry_after = quota, retry_after


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int
    max_total_bytes: int
    max_files: int

    @property
    def body_limit(self) -> int:
        """The largest multipart body: the files, the text fields' own limit, and room for the
        part headers of every file (checked against Content-Length before reading)."""
        return self.max_total_bytes + settings.INGEST_MAX_BODY_BYTES + 1024 * self.max_files


def file_limits(*, tenant: Tenant) -> FileLimits:
    quotas = plan_quotas(tenant=tenant, cached=True)
    return FileLimits(max_file_bytes=quotas.max_file_bytes, max_total_bytes=quotas.max_submission_file_bytes,
                      max_files=quotas.max_files)


# --- names and types ------------------------------------------------------------------------
def display_name(raw: str) -> str:
    """A file name fit for showing: no directory part, no control or format characters, NFC,
    at most NAME_MAX characters (the extension kept). Never used as a path: storage keys are ids."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot else ""
        name = (stem if dot else name)[:NAME_MAX - len(extension) - 2] + "…" + (f".{extension}" if extension else "")
    return name or "file"


def field_name(part_name: str) -> str:
    """The form field a file part belongs to: `fields[cv]`, `cv` and `cv[]` are all `cv`."""
    match = _FIELD_PART.match(part_name)
    name = match.group(1) if match else part_name
    return (name[:-2] if name.endswith("[]") else name)[:settings.INGEST_MAX_FIELD_NAME_LENGTH] or "file"


def sent_type(raw: str | None) -> str:
    """The content type as the client sent it, if it looks like one."""
    raw = (raw or "").strip().lower()
    return raw if _TYPE.match(raw) else DEFAULT_TYPE


def sniffed_type(head: bytes) -> str | None:
    """The type the first bytes say (magic numbers, puremagic); None when they say nothing."""
    if not head:
        return None
    try:
        found = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return found or None


# --- receiving --------------------------------------------------------------------------------
@dataclass
class ReceivedFile:
    """A file as received, in a temporary file on local disk until it is stored."""

    field: str
    name: str
    sent_type: str
    temp: TemporaryUploadedFile
    size: int = 0
    sha256: str = ""
    head: bytes = b""

    @property
    def sniffed_type(self) -> str | None:
        return sniffed_type(self.head)


class FileReceiver(FileUploadHandler):
    """A Django upload handler that writes each file part to a temporary file in chunks,
    hashing and counting as it goes, and stops the parse the moment a limit is crossed (so an
    oversize file is never read to its end). `discard()` removes every temporary file."""

    chunk_size = 64 * 1024

    def __init__(self, limits: FileLimits):
        super().__init__()
        self.limits = limits
        self.received: list[ReceivedFile] = []
        self.total = 0
        self._current: ReceivedFile | None = None
        self._digest = None

    def new_file(self, field_name_, file_name, content_type, content_length, charset=None, content_type_extra=None):
        name = display_name(file_name)
        if len(self.received) >= self.limits.max_files:
            raise TooManyFiles(name=name, limit=self.limits.max_files)
        temp = TemporaryUploadedFile(name, DEFAULT_TYPE, 0, None)
        self._current = ReceivedFile(field=field_name(field_name_), name=name, sent_type=sent_type(content_type),
                                     temp=temp)
        self.received.append(self._current)
        self._digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        current = self._current
        current.size += len(raw_data)
        self.total += len(raw_data)
        if current.size > self.limits.max_file_bytes:
            raise FileTooLarge(name=current.name, limit=self.limits.max_file_bytes)
        if self.total > self.limits.max_total_bytes:
            raise FilesTooLarge(name=current.name, limit=self.limits.max_total_bytes)
        if len(current.head) < SNIFF_BYTES:
            current.head += raw_data[:SNIFF_BYTES - len(current.head)]
        self._digest.update(raw_data)
        current.temp.write(raw_data)
        return None

    def file_complete(self, file_size):
        current = self._current
        current.sha256 = self._digest.hexdigest()
        current.temp.flush()
        current.temp.seek(0)
        current.temp.size = current.size
        self._current = None
        return current.temp

    def discard(self) -> None:
        received_discard(self.received)
        self.received = []


def received_discard(received: list[ReceivedFile]) -> None:
    """Remove the temporary copies of received files (what was stored lives in file storage)."""
    for item in received:
        try:
            item.temp.close()  # a NamedTemporaryFile: closing removes it (a moved one is fine too)
        except OSError:
            pass


# --- storage ----------------------------------------------------------------------------------
def storage_key(*, tenant_id: str, submission_id: str, index: int) -> str:
    """Ids only (never the user's file name): the sweeper reads tenant and submission back."""
    return f"{tenant_id}/{submission_id}/{index}"


def files_store(*, tenant_id: str, submission_id: str, received: list[ReceivedFile]) -> list[StoredFile]:
    """Write each received file to file storage (streamed from its temporary file) and answer
    the metadata the submission keeps. On a failure the bytes written so far are removed."""
    storage, stored = file_storage(), []
    try:
        for index, item in enumerate(received):
            item.temp.seek(0)
            key = storage.save(storage_key(tenant_id=tenant_id, submission_id=submission_id, index=index), item.temp)
            stored.append(StoredFile(field=item.field, name=item.name, size=item.size, sentType=item.sent_type,
                                     sniffedType=item.sniffed_type, sha256=item.sha256, key=key))
    except BaseException:
        files_delete(stored)
        raise
    return stored


def files_delete(files) -> int:
    """Remove the bytes of these files (StoredFile items); missing ones are fine. Best effort:
    what fails here is left to the sweeper."""
    storage, removed = file_storage(), 0
    for stored in files or []:
        try:
            storage.delete(stored.key)
            removed += 1
        except Exception:  # noqa: BLE001 - the sweeper removes it later
            logger.warning("could not delete file %s; the sweeper will", stored.key, exc_info=True)
    return removed


def file_storage_quota_check(*, tenant: Tenant, incoming_bytes: int, now: datetime) -> None:
    """Refuse files that would take this month's (UTC) uploaded bytes past the plan's file
    storage; fields-only submissions never come here."""
    quota = plan_quotas(tenant=tenant, cached=True).monthly_file_bytes
    used = usage_month(tenant_id=tenant.id, today=now.date()).file_bytes
    if used + incoming_bytes > quota:
        following = (now.date().replace(day=1) + timedelta(days=32)).replace(day=1)
        next_month = datetime(following.year, following.month, 1, tzinfo=timezone.utc)
        raise FileStorageQuotaExceeded(quota=quota, retry_after=max(1, math.ceil((next_month - now).total_seconds())))


def submission_ingest_with_files(*, tenant: Tenant, received: list[ReceivedFile] | None = None,
                                 now: datetime | None = None, **ingest) -> IngestResult:
    """submission_ingest, with the submission's files written to storage first. Without files
    it is exactly submission_ingest (the storage quota does not apply)."""
    if not received:
        return submission_ingest(tenant=tenant, now=now, **ingest)
    now = now or utcnow()
    file_storage_quota_check(tenant=tenant, incoming_bytes=sum(item.size for item in received), now=now)
    submission_id = str(ULID.from_datetime(now))
    stored = files_store(tenant_id=tenant.id, submission_id=submission_id, received=received)
    try:
        result = submission_ingest(tenant=tenant, now=now, submission_id=submission_id, files=stored, **ingest)
    except (IngestRefused, TransactionCancelled):
        files_delete(stored)  # certainly not stored
        raise
    # Any other error (a timeout, a lost answer) may have committed: the sweeper decides later.
    if result.submission_id != submission_id or result.dropped:
        files_delete(stored)  # a replay of an earlier submission, or spam over budget: not kept
    return result


@dataclass
class SweepReport:
    examined: int = 0
    removed: int = 0
    kept: int = 0
    errors: list[str] = field(default_factory=list)


def _listdir(storage, path: str) -> tuple[list[str], list[str]]:
    try:
        return storage.listdir(path)
    except FileNotFoundError:  # the local root before the first upload
        return [], []


def _remove_empty_dir(storage, path: str) -> None:
    try:
        os.rmdir(storage.path(path))  # local disk only; S3 has no directories
    except (NotImplementedError, OSError):
        pass


def files_sweep(*, now: datetime | None = None, grace_seconds: int | None = None) -> SweepReport:
    """Remove bytes that no live submission references: bytes of a submission that was never
    stored (a crash between the bytes and the transaction), deleted for good, or expired
    (retention), once older than the grace period (by the time in the submission's id, so a
    submission being stored right now is never touched). One read per submission folder."""
    now = now or utcnow()
    grace = settings.FILES_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = now - timedelta(seconds=grace)
    storage, report = file_storage(), SweepReport()
    for tenant_id in _listdir(storage, "")[0]:
        if tenant_id == BRAND_FOLDER:
            continue  # agency logos, not submission bytes
        tenant = tenant_get_or_none(tenant_id=tenant_id)
        for submission_id in _listdir(storage, tenant_id)[0]:
            try:
                born = ULID.from_str(submission_id).datetime
            except ValueError:
                continue  # not a folder this code wrote
            if born > cutoff:
                continue
            folder = f"{tenant_id}/{submission_id}"
            names = _listdir(storage, folder)[1]
            submission = tenant and submission_find(tenant_id=tenant_id, submission_id=submission_id,
                                                    shard_count=tenant.shardCount or 1, now=now)
            referenced = {stored.key for stored in (submission.files or [])} if submission else set()
            for name in names:
                key = f"{folder}/{name}"
                report.examined += 1
                if key in referenced:
                    report.kept += 1
                    continue
                try:
                    storage.delete(key)
                    report.removed += 1
                except Exception as error:  # noqa: BLE001 - the next sweep tries again
                    report.errors.append(f"{key}: {error}")
            if not submission:
                _remove_empty_dir(storage, folder)
        _remove_empty_dir(storage, tenant_id)
    return report
