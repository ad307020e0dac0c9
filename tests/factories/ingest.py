"""Sites, keys and submissions made through the real services."""
from __future__ import annotations

from itertools import count

from portal.services.sites.api_keys import api_key_create
from portal.services.sites.domain_verification import site_verification_grant
from portal.services.ingest.store import submission_ingest
from portal.services.sites.sites import site_add

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


def counters_failing_once(monkeypatch) -> list:
    """Make ingest's next day-counter write fail (as DynamoDB answering 500 would); the list
    returned holds the failed write's arguments."""
    from botocore.exceptions import ClientError

    from portal.services.ingest import store as ingest

    real_add, failures = ingest.counters_add, []

    def fails_once(**kwargs):
        if not failures:
            failures.append(kwargs)
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "UpdateItem")
        return real_add(**kwargs)
    monkeypatch.setattr(ingest, "counters_add", fails_once)
    return failures


def another_request_first(monkeypatch, request) -> list:
    """Run `request()` (another ingest) to its end when the next ingest is about to send its
    transaction, then let that transaction go: the list returned holds `request()`'s answer."""
    from portal.services.ingest import store as ingest

    real_transact, answers = ingest.transact, []

    def overtaken(actions, **kwargs):
        monkeypatch.setattr(ingest, "transact", real_transact)
        answers.append(request())
        return real_transact(actions, **kwargs)
    monkeypatch.setattr(ingest, "transact", overtaken)
    return answers
