"""Helpers for client report tests: report keys and months as the URLs spell them."""
from __future__ import annotations

from portal.dynamo.base import utcnow
from portal.selectors.reports.subjects import SITE_PREFIX


def site_report_key(site) -> str:
    return SITE_PREFIX + site.id


def this_month() -> str:
    return utcnow().strftime("%Y-%m")
