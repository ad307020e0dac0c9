"""Bounds on what one day of ingest can add for a site (issue 10): at most
INGEST_FORMS_PER_SITE_PER_DAY distinct form ids are counted by name, later new ids count as
OTHER_FORMS; at most INGEST_SPAM_PER_SITE_PER_DAY spam posts are stored. Both are counted on
expiring items of the sessions table (portal.dynamo.expiring.IngestGuards)."""
from __future__ import annotations

import threading
from datetime import datetime

from django.conf import settings

from portal.dynamo.expiring import IngestGuards
from portal.dynamo.metrics import OTHER_FORMS, day_key
from portal.services import ingest_rate

NO_SITE = "-"  # submissions stored without a site (tests, imports) share one budget
_KEEP_DAYS = 2  # the guards outlive their day by a day (late clocks), then TTL removes them
# Per process: forms already counted by name today, and sites whose forms of the day are full
# (a day's set only grows, so neither can turn stale within the day).
_known: set[tuple[str, str, str, str]] = set()
_full: set[tuple[str, str, str]] = set()
_known_lock = threading.Lock()
_KNOWN_MAX = 50_000


def _expires(now: datetime) -> int:
    return int(now.timestamp()) + _KEEP_DAYS * 86400


def counted_form(*, tenant_id: str, site_id: str | None, form_id: str, now: datetime) -> str:
    """The form key a submission is counted under: its own id while the site has counted fewer
    than the day's limit of distinct forms (or already counts this one), OTHER_FORMS after.
    A form seen by this process today costs no request."""
    entry = (tenant_id, site_id or NO_SITE, day_key(now), form_id)
    if entry in _known:
        return form_id
    if entry[:3] in _full:
        return OTHER_FORMS
    registered = IngestGuards.day_form_register(
        tenant_id=tenant_id, site_id=entry[1], day=entry[2], form_id=form_id,
        limit=settings.INGEST_FORMS_PER_SITE_PER_DAY, expires_epoch=_expires(now))
    with _known_lock:
        if len(_known) + len(_full) >= _KNOWN_MAX:
            _known.clear()
            _full.clear()
        if registered:
            _known.add(entry)
        else:
            _full.add(entry[:3])
    return form_id if registered else OTHER_FORMS


_days: set[tuple[str, str, int]] = set()


def first_today(*, tenant_id: str, now: datetime, shard: int) -> bool:
    """Whether this process has not yet made sure of the tenant's day item (the DayIndex lists
    tenant-days by it) today: then ingest touches it once, in its transaction."""
    entry = (tenant_id, day_key(now), shard)
    if entry in _days:
        return False
    with _known_lock:
        if len(_days) >= _KNOWN_MAX:
            _days.clear()
        _days.add(entry)
    return True


def spam_slot(*, tenant_id: str, site_id: str | None, now: datetime) -> bool:
    """Whether one more spam post of this site may be stored today."""
    return IngestGuards.capped_hit(key=IngestGuards.spam_key_for(tenant_id, site_id or NO_SITE, day_key(now)),
                                   limit=settings.INGEST_SPAM_PER_SITE_PER_DAY, expires_epoch=_expires(now))


def reset() -> None:
    """Forget what this process knows (tests empty the tables)."""
    _known.clear()
    _full.clear()
    _days.clear()
    ingest_rate.allowance.clear()
