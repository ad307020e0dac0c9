"""The retry schedule: delays, jitter bounds, Retry-After within bounds, the end."""
from datetime import datetime, timedelta, timezone

import pytest

from portal.delivery.schedule import (
    DELAYS,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    next_attempt_at,
    parse_retry_after,
    retry_delay,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_eight_attempts_immediately_then_5s_5min_30min_2h_5h_10h_10h():
    assert MAX_ATTEMPTS == 8
    waits = [retry_delay(attempts_made=n, rand=lambda: 0.5) for n in range(1, 8)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert DELAYS[0] == 0


def test_after_the_eighth_attempt_there_is_no_next():
    assert next_attempt_at(now=NOW, attempts_made=8) is None


@pytest.mark.parametrize("rand, factor", [(lambda: 0.0, 0.8), (lambda: 1.0, 1.2), (lambda: 0.25, 0.9)])
def test_jitter_stays_within_twenty_percent(rand, factor):
    assert retry_delay(attempts_made=3, rand=rand) == pytest.approx(1800 * factor)


def test_retry_after_is_honoured_when_longer_and_capped_at_the_maximum():
    assert retry_delay(attempts_made=1, retry_after=120, rand=lambda: 0.5) == 120
    assert retry_delay(attempts_made=3, retry_after=10, rand=lambda: 0.5) == 1800  # never sooner than the schedule
    assert retry_delay(attempts_made=1, retry_after=10 ** 9, rand=lambda: 0.5) == MAX_RETRY_AFTER


def test_retry_after_as_seconds_or_http_date_and_garbage_ignored():
    assert parse_retry_after("30", now=NOW) == 30
    assert parse_retry_after("Fri, 01 May 2026 12:02:00 GMT", now=NOW) == 120
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None


def test_next_attempt_time_adds_the_delay_to_now():
    assert next_attempt_at(now=NOW, attempts_made=2, rand=lambda: 0.5) == NOW + timedelta(minutes=5)
