"""Secrets shown once (a new API key, a new API token, a revealed or rotated signing secret),
the Post/Redirect/Get way: the POST that makes one keeps it in the session, encrypted, and
redirects to a page that shows it. That page can be reloaded, or reached with Back, for
SHOWN_FOR in the same session; after that it says plainly that the value is gone. The session
holds the last few only (bounded), and never in clear text."""
from __future__ import annotations

import time
from datetime import timedelta

from portal.crypto import DecryptionFailed, field_decrypt, field_encrypt

SHOWN_FOR = timedelta(minutes=10)
SESSION_KEY = "shown_once"
KEEP = 5


def _fresh(entries: dict) -> dict:
    cutoff = time.time() - SHOWN_FOR.total_seconds()
    return {name: entry for name, entry in entries.items() if entry.get("at", 0) > cutoff}


def keep_secret(request, *, kind: str, object_id: str, value: str, **facts) -> None:
    """Remember `value` for the page that shows it (facts: small extras such as rotated=True)."""
    entries = _fresh(request.session.get(SESSION_KEY, {}))
    entries[f"{kind}:{object_id}"] = {"v": field_encrypt(value), "at": time.time(), **facts}
    request.session[SESSION_KEY] = dict(list(entries.items())[-KEEP:])


def recall_secret(request, *, kind: str, object_id: str) -> dict | None:
    """{"value": ..., "shown_until": epoch seconds, **facts}, or None once it is gone."""
    entry = _fresh(request.session.get(SESSION_KEY, {})).get(f"{kind}:{object_id}")
    if entry is None:
        return None
    try:
        value = field_decrypt(entry["v"])
    except DecryptionFailed:  # the encryption keys changed since: as good as gone
        return None
    facts = {k: v for k, v in entry.items() if k not in ("v", "at")}
    return {"value": value, "minutes_left": max(1, round((entry["at"] + SHOWN_FOR.total_seconds() - time.time()) / 60)),
            **facts}
