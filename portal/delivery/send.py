"""Sending one event to one destination over its channel: a Standard Webhooks signed POST
through the guarded HTTP sender, an e-mail, or an integration's own API (channels/). The SendResult names the channel, so an
e-mail is "accepted" or not instead of pretending to be an HTTP status. Never raises for the
receiver's or the mail server's trouble, nor for our own (an undecryptable secret): that is
the attempt's error."""
from __future__ import annotations

import time
from datetime import datetime

from portal.crypto import field_decrypt
from portal.delivery import channels, payloads, sender
from portal.delivery.email_message import notification_email
from portal.delivery.signing import signature_headers
from portal.dynamo.destinations import EMAIL, Destination

USER_AGENT = "Form-Bridge-Webhooks/1.0"


def signing_secrets(destination: Destination, *, now: datetime) -> list[str]:
    """The current secret first, then every previous one still inside its overlap window."""
    secrets_ = [field_decrypt(destination.secretEncrypted)] if destination.secretEncrypted else []
    for previous in destination.previousSecrets or []:
        if previous.expiresAt > now:
            secrets_.append(field_decrypt(previous.secretEncrypted))
    return secrets_


def send_event(destination: Destination, *, event: dict, msg_id: str, now: datetime) -> sender.SendResult:
    """Never raises: a failure while preparing (a secret no key decrypts, a bad header) is
    the attempt's error like a failure while sending, so it follows the retry schedule."""
    started = time.monotonic()
    try:
        if destination.type == EMAIL:
            return _send_email(destination, event=event)
        if destination.is_integration:
            return channels.send_integration(destination, event=event)
        return _send_webhook(destination, event=event, msg_id=msg_id, now=now)
    except Exception as error:  # noqa: BLE001
        return sender.SendResult(channel=destination.type, duration_ms=int((time.monotonic() - started) * 1000),
                                 error=f"Could not prepare the request: {type(error).__name__}: {error}"[:1000])


def _send_webhook(destination: Destination, *, event: dict, msg_id: str, now: datetime) -> sender.SendResult:
    body = payloads.event_body(event)
    headers = {k: v for k, v in (destination.headers or {}).items()}
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    # The signature timestamp is the real wall clock: receivers check it against theirs.
    headers.update(signature_headers(secrets_=signing_secrets(destination, now=now), msg_id=msg_id,
                                     timestamp=int(time.time()), body=body))
    return sender.post(destination.url, body=body, headers=headers)


def _send_email(destination: Destination, *, event: dict) -> sender.SendResult:
    started = time.monotonic()
    try:
        message = notification_email(event=event, destination=destination)
        sent = message.send(fail_silently=False)
    except Exception as error:  # any backend failure is this attempt's error, not a crash
        return sender.SendResult(channel=EMAIL, duration_ms=int((time.monotonic() - started) * 1000),
                                 error=f"E-mail not sent: {error}")
    duration = int((time.monotonic() - started) * 1000)
    if not sent:
        return sender.SendResult(channel=EMAIL, duration_ms=duration, error="E-mail not sent")
    return sender.SendResult(channel=EMAIL, accepted=True, duration_ms=duration,
                             body=f"Sent to {', '.join(destination.recipients)}")
