"""The retry schedule: attempt 1 immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
(8 attempts), each delay with ±20% jitter. A receiver's Retry-After is honoured within
bounds: never sooner than the schedule's own delay, never later than MAX_RETRY_AFTER."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Callable

# DELAYS[n] is the wait before attempt n+1 (DELAYS[0]: the first attempt goes out at once).
DELAYS = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(DELAYS)
JITTER = 0.20
MAX_RETRY_AFTER = 10 * 3600


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def retry_delay(*, attempts_made: int, retry_after: float | None = None,
                rand: Callable[[], float] = random.random) -> float | None:
    """Seconds to wait before the next attempt after `attempts_made` failed ones, or None when
    the schedule is exhausted."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    base = DELAYS[attempts_made]
    delay = base * (1 - JITTER + 2 * JITTER * rand())
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
    return delay


def next_attempt_at(*, now: datetime, attempts_made: int, retry_after: float | None = None,
                    rand: Callable[[], float] = random.random) -> datetime | None:
    delay = retry_delay(attempts_made=attempts_made, retry_after=retry_after, rand=rand)
    return None if delay is None else now + timedelta(seconds=delay)
