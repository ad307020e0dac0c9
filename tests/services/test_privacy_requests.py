"""Find and erase a person: ingest indexes the submitter's normalised address (a sparse GSI,
counted in write units), the search is one index query across sites, the export is one JSON
file, and erasing runs as a resumable job whose audit entries keep counts, never the data."""
import json
import string

import pytest
from django.test import Client
from hypothesis import given, settings as hsettings, strategies as st

from portal.dynamo.audit import AuditEntry
from portal.dynamo.privacy_jobs import DONE, PrivacyOpenJob
from portal.selectors.access import access_privacy_job, access_submission
from portal.selectors.submissions import SubmissionFilters, submission_list
from portal.errors import NotFound
from portal.services.compliance import privacy
from portal.services.ingest.store import submission_ingest
from portal.text import email_normalise, submitter_email
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_site, make_submission


def _client(user):
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _audit(tenant):
    return list(AuditEntry.in_tenant(tenant.id).query(AuditEntry.partition_for(tenant.id)))


def test_the_email_index_costs_two_write_units_and_only_when_there_is_an_address(ddb):
    tenant, user = make_tenant()
    make_destination(tenant, user)
    site = make_site(tenant)

    def units(fields):
        return submission_ingest(tenant=tenant, form_id="contact", fields=fields, meta={}, site_id=site.id).write_units

    units({"warm": "up"})  # the day's first ingest also touches the day item
    without = units({"name": "Ada", "message": "Hello"})
    with_address = units({"name": "Ada", "email": "ada@example.com", "message": "Hello"})
    assert with_address - without == 2  # one index write, doubled inside the transaction
    print(f"ingest WCU without e-mail {without}, with e-mail {with_address}")


def test_search_by_address_is_exact_after_normalising_and_spans_sites(ddb):
    tenant, user = make_tenant()
    site_a, site_b = make_site(tenant), make_site(tenant)
    first = make_submission(tenant, site_id=site_a.id, fields={"Your E-mail": "  Ada@Example.COM "})
    second = make_submission(tenant, site_id=site_b.id, fields={"name": "Ada", "reply": "ada@example.com"})
    make_submission(tenant, site_id=site_a.id, fields={"email": "ada@example.co"})
    other, _ = make_tenant()
    make_submission(other, fields={"email": "ada@example.com"})
    found = submission_list(tenant=tenant, filters=SubmissionFilters(email="ada@example.com", spam="all")).items
    assert [s.id for s in found] == [second, first]
    page = _client(user).get("/submissions/?email=ADA@example.com ").content.decode()
    assert first in page and second in page


def test_export_erase_and_audit_of_a_privacy_request(ddb):
    tenant, user = make_tenant()
    site_a, site_b = make_site(tenant), make_site(tenant)
    ids = [make_submission(tenant, site_id=site.id, fields={"email": "gone@example.com", "n": str(i)})
           for i, site in enumerate([site_a, site_b, site_a])]
    kept = make_submission(tenant, site_id=site_a.id, fields={"email": "stays@example.com"})
    client = _client(user)
    page = client.get("/privacy/?email=Gone@example.com").content.decode()
    assert all(i in page for i in ids) and kept not in page
    exported = json.loads(b"".join(client.get("/privacy/export.json?email=gone@example.com").streaming_content))
    assert sorted(s["id"] for s in exported["submissions"]) == sorted(ids)
    assert all(s["fields"]["email"] == "gone@example.com" for s in exported["submissions"])
    response = client.post("/privacy/erase/", {"email": "gone@example.com", "confirm": "on"})
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    job = access_privacy_job(tenant=tenant, job_id=job_id)
    assert (job.found, job.erased, job.state) == (3, 0, "running")
    assert "0 of 3" in client.get(response["Location"]).content.decode()
    # Interrupted after one batch of one: the job resumes where it stopped.
    privacy.privacy_job_step(job=job, batch=1)
    assert access_privacy_job(tenant=tenant, job_id=job_id).erased == 1
    assert privacy.privacy_jobs_run() >= 1
    job = access_privacy_job(tenant=tenant, job_id=job_id)
    assert (job.state, job.erased, job.emailKey) == (DONE, 3, None)
    assert list(PrivacyOpenJob.open_jobs()) == []
    for submission_id in ids:
        with pytest.raises(NotFound):
            access_submission(tenant=tenant, submission_id=submission_id)
    assert access_submission(tenant=tenant, submission_id=kept)
    assert "3 of 3" in client.get(response["Location"]).content.decode()
    trail = _audit(tenant)
    actions = {entry.action for entry in trail}
    assert {"privacy.export", "privacy.erase_requested", "privacy.erase"} <= actions
    erase = next(e for e in trail if e.action == "privacy.erase")
    assert erase.actor == user.email and "3 submissions erased" in erase.detail
    assert "gone@example.com" not in json.dumps([e.serialize() for e in trail], default=str)


def test_nothing_to_erase_writes_nothing_and_another_tenants_job_is_404(ddb):
    tenant, user = make_tenant()
    with pytest.raises(privacy.NothingToErase):
        privacy.privacy_erase_request(tenant=tenant, actor=user.email, email="nobody@example.com")
    assert list(PrivacyOpenJob.open_jobs()) == []
    make_submission(tenant, fields={"email": "x@example.com"})
    job = privacy.privacy_erase_request(tenant=tenant, actor=user.email, email="x@example.com")
    other, other_user = make_tenant()
    assert _client(other_user).get(f"/privacy/jobs/{job.id}/").status_code == 404
    assert _client(other_user).get("/privacy/?email=x@example.com").context["page"].items == []


_local = st.text(alphabet=string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20)
_domain = st.from_regex(r"[a-z0-9]{1,10}\.[a-z]{2,6}", fullmatch=True)


@hsettings(max_examples=200, deadline=None)
@given(local=_local, domain=_domain, pad=st.sampled_from(["", " ", "\t", "  "]))
def test_addresses_normalise_to_one_key_whatever_their_case_and_spaces(local, domain, pad):
    address = f"{local}@{domain}"
    assert email_normalise(pad + address.upper() + pad) == email_normalise(address) == address.lower()
    assert submitter_email({"message": "hi", "email": pad + address + pad}) == address.lower()


@hsettings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.one_of(st.text(max_size=60), st.lists(st.text(max_size=20)),
                                                       st.integers(), st.none()), max_size=8))
def test_any_fields_give_no_address_or_one_normalised_address(fields):
    found = submitter_email(fields)
    assert found is None or (found == found.strip().lower() and "@" in found and len(found) <= 254
                             and email_normalise(found) == found)
