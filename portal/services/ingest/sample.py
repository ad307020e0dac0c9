"""A test submission from the site's page ("Send a test submission"): the real ingest path
(the same transaction, counters, quota and delivery plan as a site's own submission), so the
first delivery can be watched without a WordPress site or curl."""
from __future__ import annotations

from dataclasses import dataclass

from portal.dynamo.sites import Site
from portal.dynamo.tenants import Tenant
from portal.services.ingest.delivery_plan import destinations_for_form
from portal.services.ingest.store import submission_ingest

SAMPLE_FORM_ID = "form-bridge-test"


@dataclass
class SampleSent:
    submission_id: str
    destination_names: list[str]  # where it is being delivered (empty: no destination takes it)


def sample_submission_send(*, tenant: Tenant, actor: str, site: Site) -> SampleSent:
    """Store one test submission for `site` (counted like any other) and say where it goes."""
    result = submission_ingest(
        tenant=tenant, form_id=SAMPLE_FORM_ID, site_id=site.id,
        fields={"name": "Test from Form-Bridge", "email": actor, "message": f"A test submission for {site.domain}."},
        meta={"page_url": f"https://{site.domain}/", "user_agent": "Form-Bridge portal (test submission)"})
    going_to = destinations_for_form(tenant_id=tenant.id, form_id=SAMPLE_FORM_ID, site_id=site.id)
    return SampleSent(submission_id=result.submission_id, destination_names=[d.name for d in going_to])
