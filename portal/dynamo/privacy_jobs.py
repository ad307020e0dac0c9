"""Privacy erase jobs, kept in the audit table beside the trail they end up in.

PK PRIVACY#TENANT#{tenantId}, SK JOB#{jobId}: one job (who asked, when, how many found and
erased so far, where the erasing stopped). While it runs it holds the normalised address it
erases (it needs it to resume); once done the address is removed, only the numbers stay, and
the item expires after DONE_KEEP.

PK PRIVACY#OPEN, SK {tenantId}#{jobId}: a small marker per unfinished job, so a processor
finds open jobs with one Query without knowing the tenants; deleted when the job is done.
No index: the partition holds only open jobs."""
from __future__ import annotations

from datetime import timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, VersionAttribute

from portal.dynamo.base import BaseModel, JSONAttribute, TenantOwnedModel, UTCDateTimeAttribute, utcnow
from portal.dynamo.audit import TABLE

RUNNING, DONE = "running", "done"
DONE_KEEP = timedelta(days=30)
OPEN_PARTITION = "PRIVACY#OPEN"


class PrivacyJob(TenantOwnedModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    tenantId = UnicodeAttribute()
    requestedBy = UnicodeAttribute()
    createdAt = UTCDateTimeAttribute(default_for_new=utcnow)
    updatedAt = UTCDateTimeAttribute(default_for_new=utcnow)
    finishedAt = UTCDateTimeAttribute(null=True)
    state = UnicodeAttribute(default=RUNNING)
    emailKey = UnicodeAttribute(null=True)  # removed when done: the job keeps no personal data
    found = NumberAttribute(default=0)  # submissions found when it was requested
    erased = NumberAttribute(default=0)
    position = JSONAttribute(null=True)  # the EmailIndex LastEvaluatedKey it resumes from
    ttl = TTLAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def partition_for(tenant_id: str) -> str:
        return f"PRIVACY#TENANT#{tenant_id}"

    @staticmethod
    def sort_for(job_id: str) -> str:
        return f"JOB#{job_id}"

    def sync_keys(self) -> None:
        self.pk, self.sk = self.partition_for(self.tenantId), self.sort_for(self.id)

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def percent(self) -> int:
        return 100 if not self.running else min(99, round(100 * self.erased / self.found)) if self.found else 0

    def finish(self, now) -> None:
        self.state, self.emailKey, self.position, self.finishedAt = DONE, None, None, now
        self.ttl = now + DONE_KEEP


class PrivacyOpenJob(BaseModel):
    """The marker of an unfinished job (read only by the job processor)."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True, default=OPEN_PARTITION)
    sk = UnicodeAttribute(range_key=True)
    tenantId = UnicodeAttribute()
    jobId = UnicodeAttribute()

    @staticmethod
    def sort_for(tenant_id: str, job_id: str) -> str:
        return f"{tenant_id}#{job_id}"

    @classmethod
    def open_jobs(cls, limit: int = 100):
        return cls.query(OPEN_PARTITION, limit=limit)
