"""Reads for the integrations' settings pages: the field names seen on a tenant's recent
submissions, offered when mapping form fields to a vendor's properties or columns."""
from __future__ import annotations

from portal.dynamo.tenants import Tenant
from portal.selectors.submissions import SubmissionFilters, submission_list

MAX_FORMS = 10  # forms read, newest-seen first
PER_FORM = 10  # latest submissions read per form (one FormIndex query each)


def fields_seen(*, tenant: Tenant, form_ids: list[str]) -> list[str]:
    """Field names of the latest submissions of these forms (of any form when none is given),
    in the order first seen."""
    seen: dict[str, None] = {}
    filters = [SubmissionFilters(form_id=form_id) for form_id in form_ids[:MAX_FORMS]] or [SubmissionFilters()]
    for chosen in filters:
        for submission in submission_list(tenant=tenant, filters=chosen, limit=PER_FORM * (1 if form_ids else 3)).items:
            for name in (submission.fields or {}):
                seen.setdefault(str(name), None)
    return list(seen)
