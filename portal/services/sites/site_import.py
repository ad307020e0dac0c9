"""Moving existing WordPress sites in (`manage.py import_sites`): one row per site with its
domain, owner e-mail, organisation, optionally the secret it already uses (kept as its API key)
and a webhook URL (its default destination). Every row is checked first; a run creates or
matches tenants, sites, keys and destinations through the ordinary services, so a second run
changes nothing."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.destinations import WEBHOOK
from portal.dynamo.sites import Site
from portal.dynamo.tenants import VALIDATED
from portal.errors import ServiceError
from portal.selectors.destinations import destination_list
from portal.selectors.sites import api_key_list
from portal.selectors.billing.tenants import tenant_get_by_email
from portal.services.sites.api_keys import IMPORTED_KEY_MIN_LENGTH, api_key_create, api_key_import
from portal.services.delivery_setup.destinations import destination_create, destination_settings_clean
from portal.services.sites.sites import InvalidDomain, normalise_domain, site_add
from portal.services.billing.tenants import tenant_staff_create

COLUMNS = ("domain", "owner_email", "organization", "secret", "webhook_url")


@dataclass
class SiteRow:
    line: int
    domain: str
    owner_email: str
    organization: str
    secret: str = ""
    webhook_url: str = ""
    problems: list[str] = field(default_factory=list)


def rows_parse(text: str, *, filename: str = "") -> list[SiteRow]:
    """Rows of a JSON list of objects or a CSV with a header line ("organisation" accepted too)."""
    stripped = text.lstrip()
    if filename.endswith(".json") or stripped.startswith("["):
        raw = json.loads(text)
        records = [(i + 1, r) for i, r in enumerate(raw)]
    else:
        records = [(i + 2, r) for i, r in enumerate(csv.DictReader(io.StringIO(text)))]
    rows = []
    for line, record in records:
        record = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in dict(record).items()}
        rows.append(SiteRow(line=line, domain=record.get("domain", ""), owner_email=record.get("owner_email", "").lower(),
                            organization=record.get("organization") or record.get("organisation", ""),
                            secret=record.get("secret", ""), webhook_url=record.get("webhook_url", "")))
    return rows


def rows_validate(rows: list[SiteRow]) -> list[SiteRow]:
    """Fill each row's `problems` (invalid values, duplicates in the file, domains or secrets
    owned by another tenant); reads only."""
    seen: dict[str, int] = {}
    for row in rows:
        try:
            row.domain = normalise_domain(row.domain)
        except InvalidDomain as error:
            row.problems.append(f"invalid domain: {error}")
        else:
            if row.domain in seen:
                row.problems.append(f"duplicate: {row.domain} is also on line {seen[row.domain]}")
            seen.setdefault(row.domain, row.line)
        try:
            validate_email(row.owner_email)
        except ValidationError:
            row.problems.append(f"invalid owner e-mail {row.owner_email!r}")
        if not row.organization:
            row.problems.append("organisation missing")
        if row.secret and len(row.secret) < IMPORTED_KEY_MIN_LENGTH:
            row.problems.append(f"secret shorter than {IMPORTED_KEY_MIN_LENGTH} characters")
        if row.webhook_url:
            try:
                destination_settings_clean(type=WEBHOOK, url=row.webhook_url, headers={}, recipients=[], form_ids=[])
            except ServiceError as error:
                row.problems.append(f"webhook URL refused: {error}")
        if row.problems:
            continue
        tenant = tenant_get_by_email(email=row.owner_email)
        claims = Site.claims_of_domain(row.domain)
        site = next((claim for claim in claims if tenant is not None and claim.tenantId == tenant.id), None)
        # Another tenant's unverified claim is no obstacle (control of the domain decides);
        # one that proved control is (this report is for the operator, not for a tenant).
        if any(claim.verified and claim is not site for claim in claims):
            row.problems.append(f"{row.domain} belongs to another tenant")
        key = ApiKey.lookup_by_raw_key(row.secret) if row.secret else None
        if key is not None and (site is None or key.siteId != site.id):
            row.problems.append("the secret is already the key of another site")
    return rows


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # one line per thing created
    new_keys: dict[str, str] = field(default_factory=dict)  # domain -> raw key, shown once


def rows_import(rows: list[SiteRow], *, actor: str, product_id: str | None = None) -> ImportResult:
    """Create or match everything the valid rows describe (call rows_validate first)."""
    result = ImportResult()
    for row in rows:
        if row.problems:
            continue
        tenant = tenant_get_by_email(email=row.owner_email)
        if tenant is None:
            # The owner gets the usual invitation e-mail to set a password.
            tenant, _ = tenant_staff_create(actor=actor, email=row.owner_email, organization=row.organization,
                                            product_id=product_id, status=VALIDATED)
            result.created.append(f"tenant {row.organization} <{row.owner_email}>")
        site = next((claim for claim in Site.claims_of_domain(row.domain) if claim.tenantId == tenant.id), None)
        if site is None or not site.active:
            # Unverified like any new site: the owner proves control from the site's page.
            site = site_add(tenant=tenant, actor=actor, domain=row.domain)
            result.created.append(f"site {row.domain} (unverified: browser forms wait until the owner verifies "
                                  "the domain; API keys work now)")
        keys = [k for k in api_key_list(tenant_id=tenant.id, site_id=site.id) if k.active and k.revokedAt is None]
        if row.secret:
            if not any(k.keyHash == ApiKey.hash_key_material(row.secret) for k in keys):
                api_key_import(tenant=tenant, actor=actor, site=site, raw=row.secret)
                result.created.append(f"key (existing secret) for {row.domain}")
        elif not keys:
            _, raw = api_key_create(tenant=tenant, actor=actor, site=site, label="imported")
            result.new_keys[row.domain] = raw
            result.created.append(f"new key for {row.domain}")
        if row.webhook_url and not any(d.url == row.webhook_url for d in destination_list(tenant_id=tenant.id)):
            destination_create(tenant=tenant, actor=actor, name=f"Webhook ({row.domain})", type=WEBHOOK,
                               url=row.webhook_url, headers={}, recipients=[], form_ids=[])
            result.created.append(f"webhook destination {row.webhook_url}")
    return result
