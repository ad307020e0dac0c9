"""A submission's files: signed download links and what they open. Below the delivery engine
(payloads and e-mails link files) and above the tables only.

A link is `{SITE_URL}/files/{token}`; the token is signed with Django's signing (the secret
key, a salt of its own) and names tenant, submission, file and an expiry, so it works without
a session (webhook receivers fetch it) and is worthless once expired or when the submission is
gone. Only tenant-scoped code mints links: the portal after `access_submission`, delivery for
the submission it sends. With S3 the link answers with a redirect to a presigned S3 URL a
minute long; locally the portal streams the bytes."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from django.urls import reverse
from django.utils.http import content_disposition_header

from portal.dynamo.submissions import StoredFile, Submission
from portal.dynamo.tenants import Tenant
from portal.errors import NotFound

SALT = "formbridge.files.link"
DOWNLOAD_TYPE = "application/octet-stream"  # never the sniffed or sent type: nothing renders inline


# On the local disk the agency logos' storage (STORAGES["brand"]) is this folder inside the
# uploads' root: the sweeper of unreferenced upload bytes never walks it.
BRAND_FOLDER = "brand"


def file_storage():
    """The storage of uploaded files (STORAGES["files"]: the local disk, or S3)."""
    return storages["files"]


class LinkExpired(Exception):
    """A genuine link past its time: the web layer answers 410 Gone."""


class LinkSuspended(Exception):
    """A genuine link of a suspended tenant: nothing is served until staff lift the suspension."""


@dataclass(frozen=True)
class FileLink:
    path: str  # for the portal's own redirect (whatever host it is reached on)
    expires_at: datetime

    @property
    def url(self) -> str:
        """Absolute, for receivers outside the portal (SITE_URL)."""
        return settings.SITE_URL + self.path


@dataclass(frozen=True)
class OpenedFile:
    submission: Submission
    stored: StoredFile


def file_link(*, tenant_id: str, submission_id: str, index: int, seconds: int, now: float | None = None) -> FileLink:
    expires = int((now or time.time()) + seconds)
    token = signing.dumps({"t": tenant_id, "s": submission_id, "i": index, "e": expires}, salt=SALT, compress=True)
    return FileLink(path=reverse("portal:file_download", args=[token]),
                    expires_at=datetime.fromtimestamp(expires, tz=timezone.utc))


def submission_files(submission: Submission) -> list[StoredFile]:
    return list(submission.files or [])


def file_link_open(*, token: str, now: float | None = None) -> OpenedFile:
    """The file a link names: NotFound for a forged token or a file that is gone (deleted,
    expired with its submission, its tenant deleted), LinkExpired for a genuine link past its
    time, LinkSuspended while its tenant is suspended. Links live on in receivers' logs and
    inboxes, so the tenant is checked on every open, not only when the link is made."""
    try:
        claims = signing.loads(token, salt=SALT)
        tenant_id, submission_id, index, expires = claims["t"], claims["s"], int(claims["i"]), int(claims["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("No such file.") from None
    if expires < (now or time.time()):
        raise LinkExpired()
    tenant = Tenant.by_id(tenant_id)
    if tenant is not None and not tenant.active:
        raise NotFound("No such file.")
    if tenant is not None and tenant.read_only:
        raise LinkSuspended()
    submission = tenant and Submission.find(tenant_id, submission_id, shard_count=tenant.shardCount or 1)
    files = submission_files(submission) if submission else []
    if not 0 <= index < len(files):
        raise NotFound("No such file.")
    return OpenedFile(submission=submission, stored=files[index])


def file_links_for_delivery(submission: Submission, *, now: float | None = None) -> list[dict]:
    """What a webhook (or e-mail) tells about each file: metadata and a fresh signed link valid
    FILES_WEBHOOK_LINK_SECONDS (each attempt builds its event again, so re-sends get new links)."""
    return files_described(submission, seconds=settings.FILES_WEBHOOK_LINK_SECONDS, now=now)


def files_described(submission: Submission, *, seconds: int, now: float | None = None) -> list[dict]:
    """Each file's metadata and a fresh signed link valid `seconds` (webhooks, e-mail, the API)."""
    described = []
    for index, stored in enumerate(submission_files(submission)):
        link = file_link(tenant_id=submission.tenantId, submission_id=submission.id, index=index,
                         seconds=seconds, now=now)
        described.append({"field": stored.field, "name": stored.name, "size": int(stored.size),
                          "content_type": stored.sentType, "sniffed_type": stored.sniffedType,
                          "sha256": stored.sha256, "url": link.url,
                          "url_expires_at": link.expires_at.isoformat()})
    return described


def file_redirect_url(stored: StoredFile) -> str | None:
    """With S3: a presigned URL (FILES_S3_REDIRECT_SECONDS) that downloads the object as an
    attachment. None for storages that cannot sign (the local disk): the portal streams."""
    storage = file_storage()
    if not hasattr(storage, "bucket_name"):
        return None
    return storage.url(stored.key, expire=settings.FILES_S3_REDIRECT_SECONDS, parameters={
        "ResponseContentDisposition": content_disposition_header(True, stored.name),
        "ResponseContentType": DOWNLOAD_TYPE})


def file_open(stored: StoredFile):
    """The stored bytes as a file object to stream (read in chunks by the caller)."""
    return file_storage().open(stored.key, "rb")


def _token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class EmailFiles:
    attached: list[tuple[str, bytes, str]]  # (name, bytes, type)
    linked: list[dict]  # the described files that were too large to attach


def email_files(described: list[dict], *, max_total: int | None = None) -> EmailFiles:
    """Attach files (in order) while their total stays within FILES_EMAIL_ATTACH_MAX_BYTES;
    the rest are linked. A file that cannot be read any more is linked too."""
    budget = settings.FILES_EMAIL_ATTACH_MAX_BYTES if max_total is None else max_total
    result = EmailFiles(attached=[], linked=[])
    for item in described:
        size = int(item.get("size") or 0)
        if size > budget:
            result.linked.append(item)
            continue
        try:
            opened = file_link_open(token=_token_of(item["url"]))
            with file_open(opened.stored) as handle:
                content = handle.read(size + 1)
        except (NotFound, LinkExpired, LinkSuspended, OSError):
            result.linked.append(item)
            continue
        result.attached.append((item["name"], content, item.get("sniffed_type") or item.get("content_type")
                                or DOWNLOAD_TYPE))
        budget -= len(content)
    return result
