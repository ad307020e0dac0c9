"""Throttles on the sessions table, shared by every web process: fixed windows whose check and
count are one conditional write (EphemeralCounter.take), so parallel requests cannot exceed
a limit between a check and a record."""
from __future__ import annotations

import time
from datetime import timedelta

from datetime import datetime, timezone

from portal.dynamo.expiring import EphemeralCounter, OnceMarkers


def _now() -> float:
    return time.time()


def _window(window_seconds: int) -> tuple[int, timedelta]:
    now = int(_now())
    start = now - now % window_seconds
    # TTL a full window after the window ends, so a clock slightly behind still finds it.
    return start, timedelta(seconds=start + 2 * window_seconds - now)


def throttle_take(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Reserve one of `limit` attempts in the current window; False when none is left."""
    start, ttl = _window(window_seconds)
    return EphemeralCounter.take(EphemeralCounter.throttle_key_for(scope, subject),
                                 window_start=start, limit=limit, expires=ttl)


def throttle_give_back(*, scope: str, subject: str, window_seconds: int) -> None:
    """Return a reserved attempt that did not fail (a successful sign-in)."""
    start, _ = _window(window_seconds)
    EphemeralCounter.give_back(EphemeralCounter.throttle_key_for(scope, subject), window_start=start)


def throttle_is_blocked(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    start, _ = _window(window_seconds)
    return EphemeralCounter.count(EphemeralCounter.throttle_key_for(scope, subject), window_start=start) >= limit


def throttle_record(*, scope: str, subject: str, window_seconds: int) -> None:
    """Count one event without a limit (checked separately with throttle_is_blocked)."""
    start, ttl = _window(window_seconds)
    EphemeralCounter.take(EphemeralCounter.throttle_key_for(scope, subject),
                          window_start=start, limit=2**31, expires=ttl)


def throttle_clear(*, scope: str, subject: str) -> None:
    EphemeralCounter(pk=EphemeralCounter.throttle_key_for(scope, subject)).delete()


def throttle_first_time(*, scope: str, subject: str, window_seconds: int) -> bool:
    """True for the first caller in the current window only (a conditional put of a marker)."""
    start, ttl = _window(window_seconds)
    return OnceMarkers.claim(key=OnceMarkers.throttle_key_for(scope, subject, start),
                             expires_epoch=int(_now() + ttl.total_seconds()))


def throttle_window_end(*, window_seconds: int) -> datetime:
    start, _ = _window(window_seconds)
    return datetime.fromtimestamp(start + window_seconds, tz=timezone.utc)
