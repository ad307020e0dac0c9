"""The development webhook inspector (DEBUG only): a built-in receiver that keeps what each
tenant's destinations sent it and checks the Standard Webhooks signature against their
signing secrets, so a new user sees a delivery arrive and verify before building a receiver.

Each tenant has one inspector, addressed by a token derived from the tenant id and the
SECRET_KEY (nothing to store, nothing to guess): POST {SITE_URL}/dev/inspector/<token>/."""
from __future__ import annotations

import binascii
import hmac
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from portal.delivery.send import signing_secrets
from portal.delivery.signing import sign
from portal.dynamo.base import utcnow
from portal.dynamo.destinations import WEBHOOK, Destination
from portal.dynamo.inspector import InspectorRequest
from portal.dynamo.tenants import Tenant
from portal.errors import NotFound
from portal.selectors.destinations import destination_list
from portal.services.ingest.delivery_plan import tenant_destinations
from portal.services.delivery_setup.destinations import destination_create

TOLERANCE_SECONDS = 5 * 60  # Standard Webhooks: refuse timestamps further than this from now
KEEP_BODY_CHARS = 16_000
KEEP_HEADERS, KEEP_HEADER_CHARS = 50, 1_000
DESTINATION_NAME = "Built-in inspector (development)"


def inspector_enabled() -> bool:
    return bool(settings.DEBUG)


def _mac(tenant_id: str) -> str:
    return salted_hmac("portal.inspector", tenant_id, algorithm="sha256").hexdigest()[:24]


def inspector_token(*, tenant_id: str) -> str:
    return f"{tenant_id}-{_mac(tenant_id)}"


def inspector_tenant_id(*, token: str) -> str | None:
    """The tenant whose inspector this token addresses, or None for a made-up token."""
    tenant_id, _, mac = token.rpartition("-")
    if not tenant_id or len(token) > 120 or not constant_time_compare(mac, _mac(tenant_id)):
        return None
    return tenant_id


def inspector_path(*, tenant_id: str) -> str:
    return reverse("portal:inspector_receive", kwargs={"token": inspector_token(tenant_id=tenant_id)})


def inspector_url(*, tenant_id: str) -> str:
    return settings.SITE_URL + inspector_path(tenant_id=tenant_id)


def is_inspector_url(*, tenant_id: str, url: str | None) -> bool:
    """Whether a destination URL points at this tenant's inspector (the token makes the path
    enough: SITE_URL may have changed host since)."""
    try:
        return bool(url) and urlsplit(url).path == inspector_path(tenant_id=tenant_id)
    except ValueError:
        return False


def signature_check(*, headers: dict[str, str], body: bytes, secrets_: list[str],
                    now: datetime) -> tuple[int | None, str]:
    """(index of the secret that signed it, why) per Standard Webhooks: a v1 signature over
    `{id}.{timestamp}.{body}` with one of the secrets, a timestamp within 5 minutes. The index
    is None when the signature is invalid."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id, timestamp, signatures = (lowered.get(name, "") for name in
                                     ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and timestamp and signatures):
        return None, "missing webhook-id, webhook-timestamp or webhook-signature header"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return None, "webhook-timestamp is not a number"
    if abs(now.timestamp() - sent_at) > TOLERANCE_SECONDS:
        return None, "webhook-timestamp is more than 5 minutes away from now"
    if not secrets_:
        return None, "no destination of yours points at this inspector, so there is no secret to check with"
    offered = [s.partition(",")[2] for s in signatures.split() if s.startswith("v1,")]
    for index, secret in enumerate(secrets_):
        try:
            expected = sign(secret=secret, msg_id=msg_id, timestamp=sent_at, body=body).partition(",")[2]
        except (binascii.Error, ValueError):
            continue
        if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered):
            return index, "signed with the current secret" if index == 0 else "signed with a secret still valid"
    return None, "no signature matches the destination's signing secret (body or headers changed, or another secret)"


def _inspector_destinations(tenant_id: str) -> list[Destination]:
    return [d for d in destination_list(tenant_id=tenant_id)
            if d.type == WEBHOOK and is_inspector_url(tenant_id=tenant_id, url=d.url)]


def inspector_receive(*, token: str, headers: dict[str, str], body: bytes,
                      now: datetime | None = None) -> InspectorRequest:
    """Check and keep one request sent to an inspector; NotFound for an unknown token."""
    tenant_id = inspector_tenant_id(token=token)
    if tenant_id is None:
        raise NotFound()
    now = now or utcnow()
    secrets_, owners = [], []
    for destination in _inspector_destinations(tenant_id):
        try:
            own = signing_secrets(destination, now=now)
        except Exception:  # noqa: BLE001 - a secret no key decrypts cannot verify anything
            continue
        secrets_ += own
        owners += [destination.id] * len(own)
    index, detail = signature_check(headers=headers, body=body, secrets_=secrets_, now=now)
    kept = dict(list((name, str(value)[:KEEP_HEADER_CHARS]) for name, value in headers.items())[:KEEP_HEADERS])
    return InspectorRequest.record(
        tenant_id=tenant_id, received_at=now, headers=kept, body_bytes=len(body),
        body=body[:KEEP_BODY_CHARS].decode("utf-8", errors="replace"),
        signature="invalid" if index is None else "valid", detail=detail,
        destination_id=None if index is None else owners[index],
    )


def inspector_destination_ensure(*, tenant: Tenant, actor: str,
                                 deleted_counts: bool = True) -> tuple[Destination, bool]:
    """The tenant's webhook destination pointing at its inspector, created when missing
    (seed_demo: running it again creates nothing). Returns (destination, created)."""
    # For seed_demo deleted ones count too: a user who deleted the demo destination does not
    # get it back. The portal's "add the inspector" button (deleted_counts=False) makes a new one.
    existing = [d for d in tenant_destinations(tenant_id=tenant.id)
                if d.type == WEBHOOK and is_inspector_url(tenant_id=tenant.id, url=d.url)
                and (deleted_counts or d.active)]
    if existing:
        return existing[0], False
    destination = destination_create(tenant=tenant, actor=actor, name=DESTINATION_NAME, type=WEBHOOK,
                                     url=inspector_url(tenant_id=tenant.id), headers={}, recipients=[], form_ids=[])
    return destination, True
