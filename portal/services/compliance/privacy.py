"""Privacy requests for one e-mail address: find every submission it sent (all sites, through
the EmailIndex), export them as one JSON file, and erase them for good as a background job
that resumes where it stopped. The audit trail records who asked, when and how many items,
never the address or the data.

Erasing calls submission_delete (portal.services.submissions) for each submission: the one
"delete for good" path, which removes the submission, its delivery rows and their attempts
(stored response bodies included), so whatever else that path learns to remove (files) is
erased here too."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Iterator

from portal.dynamo.base import new_id, save_versioned, transact_write, utcnow
from portal.dynamo.privacy_jobs import PrivacyJob, PrivacyOpenJob
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, ServiceError
from portal.selectors.exports import json_record
from portal.selectors.leads import lead_notes
from portal.selectors.sites import site_list
from portal.selectors.submissions import submission_iter_by_email
from portal.services.compliance.audit import audit_record
from portal.services.submissions import submission_delete

log = logging.getLogger("portal")
ERASE_BATCH = 25  # submissions erased between two progress saves


class NothingToErase(ServiceError):
    def __init__(self):
        super().__init__("No submission has this e-mail address: there is nothing to erase.")


def privacy_export_chunks(*, tenant: Tenant, actor: str, email: str, now: datetime | None = None) -> Iterator[str]:
    """One JSON document with every submission of `email`, produced a submission at a time
    (memory stays flat). The audit entry, written when the file is complete, counts them."""
    now = now or utcnow()
    domains = {site.id: site.domain for site in site_list(tenant_id=tenant.id, include_deleted=True)}
    yield json.dumps({"email": email, "exported_at": now.isoformat()}, ensure_ascii=False)[:-1] + ', "submissions": ['
    count = 0
    for submission in submission_iter_by_email(tenant=tenant, email=email):
        record = json_record(submission, domains)
        # Notes and replies about the person are their data too.
        record["notes"] = [{"kind": note.kind, "author": note.author, "body": note.body,
                            "created_at": note.createdAt.isoformat()} for note in lead_notes(tenant=tenant,
                                                                                              submission=submission)]
        yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False)
        count += 1
    yield "\n]}\n"
    audit_record(tenant_id=tenant.id, actor=actor, action="privacy.export", target_type="privacy_request",
                 target_id="export", detail=f"{count} submission{'' if count == 1 else 's'} exported")


def privacy_erase_request(*, tenant: Tenant, actor: str, email: str) -> PrivacyJob:
    """Start erasing every submission of `email`: a job the processor works through
    (privacy_jobs_run). Nothing found: NothingToErase, and nothing is written."""
    found = sum(1 for _ in submission_iter_by_email(tenant=tenant, email=email))
    if not found:
        raise NothingToErase()
    job = PrivacyJob.in_tenant(tenant.id).new(id=new_id(), requestedBy=actor, found=found,
                                              emailKey=Submission.email_key_for(tenant.id, email))
    job.sync_keys()
    marker = PrivacyOpenJob(sk=PrivacyOpenJob.sort_for(tenant.id, job.id), tenantId=tenant.id, jobId=job.id)
    with transact_write() as transaction:
        transaction.save(job, condition=PrivacyJob.pk.does_not_exist())
        transaction.save(marker)
    audit_record(tenant_id=tenant.id, actor=actor, action="privacy.erase_requested", target_type="privacy_request",
                 target_id=job.id, detail=f"{found} submission{'' if found == 1 else 's'} to erase")
    return job


def privacy_job_step(*, job: PrivacyJob, batch: int = ERASE_BATCH, now: datetime | None = None) -> PrivacyJob:
    """Erase up to `batch` more submissions and save where it stopped. Safe to repeat and to
    interrupt anywhere: a submission already erased is simply not found again; two processors
    on one job cannot both save (the version check), the loser stops."""
    if not job.running:
        return job
    tenant = Tenant.by_id(job.tenantId)
    keys, next_position = Submission.email_index_page(job.tenantId, job.emailKey, start=job.position, limit=batch)
    erased = 0
    for pk, sk in keys:
        submission = Submission.in_tenant(job.tenantId).get_or_none(pk, sk)
        if submission is not None and tenant is not None:
            submission_delete(tenant=tenant, actor=job.requestedBy, submission=submission,
                              reason=f"Privacy request {job.id}.")
            erased += 1
    now = now or utcnow()
    job.erased, job.position, job.updatedAt = job.erased + erased, next_position, now
    if next_position is None:
        job.finish(now)
    save_versioned(job)
    if not job.running:
        PrivacyOpenJob(sk=PrivacyOpenJob.sort_for(job.tenantId, job.id), tenantId=job.tenantId, jobId=job.id).delete()
        audit_record(tenant_id=job.tenantId, actor=job.requestedBy, action="privacy.erase",
                     target_type="privacy_request", target_id=job.id, detail=f"{job.erased} submission{'' if job.erased == 1 else 's'} erased for good")
    return job


def privacy_jobs_run(*, max_steps: int = 100) -> int:
    """Work on every open job (oldest first) until each is done or `max_steps` batches were
    erased; returns the number of batches. The delivery worker process calls it between passes;
    `manage.py privacy_jobs` runs it on its own."""
    steps = 0
    for marker in PrivacyOpenJob.open_jobs():
        job = PrivacyJob.in_tenant(marker.tenantId).get_or_none(PrivacyJob.partition_for(marker.tenantId),
                                                               PrivacyJob.sort_for(marker.jobId))
        if job is None or not job.running:
            marker.delete()  # the job finished but its marker survived a crash
            continue
        while job.running and steps < max_steps:
            try:
                job = privacy_job_step(job=job)
            except ConcurrentEdit:
                break  # another processor has it
            steps += 1
    return steps


def privacy_jobs_loop(*, stop, poll_seconds: float = 5.0) -> None:
    """privacy_jobs_run every few seconds until `stop` is set (the delivery worker's thread).
    An error is logged and retried later: a job stays open until it is done."""
    while not stop.is_set():
        try:
            privacy_jobs_run()
        except Exception:  # noqa: BLE001 (DynamoDB unavailable...): keep the worker alive
            log.exception("privacy jobs: pass failed; retrying")
        stop.wait(poll_seconds)
