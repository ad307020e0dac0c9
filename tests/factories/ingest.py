"""Sites, keys and submissions made through the real services."""
from __future__ import annotations

from itertools import count

from portal.services.api_keys import api_key_create
from portal.services.domain_verification import site_verification_grant
from portal.services.ingest import submission_ingest
from portal.services.sites import site_add

_numbers = count(1)


def make_site(tenant, *, domain: str | None = None, actor: str = "tests", verified: bool = True):
    """A site; verified by default (as if its tenant had proven control of the domain), so it
    accepts browser posts as every site did before domain verification existed."""
    site = site_add(tenant=tenant, actor=actor, domain=domain or f"site{next(_numbers)}.example")
    if verified:
        site_verification_grant(site=site, actor=actor, method="tests")
    return site


def make_key(tenant, site=None, *, label: str = ""):
    """(stored key, raw key); makes a site when none is given."""
    site = site or make_site(tenant)
    return api_key_create(tenant=tenant, actor="tests", site=site, label=label)


def make_submission(tenant, *, form_id: str = "contact", fields: dict | None = None, meta: dict | None = None,
                    site_id: str | None = None, spam: bool = False, now=None):
    result = submission_ingest(tenant=tenant, form_id=form_id, fields=fields or {"email": "a@example.com"},
                               meta=meta or {}, site_id=site_id, spam=spam, now=now)
    return result.submission_id
