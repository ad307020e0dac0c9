"""Writes of a tenant's destinations: create (within the plan), edit, disable, enable, soft
delete, reveal and rotate the signing secret."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portal.crypto import field_decrypt, field_encrypt
from portal.delivery.email_message import subject_template_problem
from portal.delivery.sender import AddressRefused, url_target
from portal.delivery.signing import secret_generate
from portal.dynamo.base import new_id, save_versioned, utcnow
from portal.dynamo.destinations import EMAIL, INTEGRATION_TYPES, WEBHOOK, Destination, PreviousSecret
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, FieldErrors, ServiceError
from portal.selectors.destinations import destination_list
from portal.selectors.billing.plans import plan_quotas
from portal.selectors.sites import site_list
from portal.services.compliance.audit import audit_record
from portal.services.integrations.settings import integration_settings_clean

ROTATION_OVERLAP = timedelta(hours=24)
MAX_RECIPIENTS = 10
MAX_HEADERS = 20
MIN_RATE, MAX_RATE = 0.1, 1000  # requests per second a tenant may set on a destination
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
FORBIDDEN_HEADERS = {"host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent"}
FORM_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


class PlanLimitReached(ServiceError):
    pass


class InvalidDestination(FieldErrors):
    pass


def destination_public_dict(destination: Destination) -> dict:
    """What the audit trail keeps (never a secret)."""
    return {
        "id": destination.id, "name": destination.name, "type": destination.type, "url": destination.url,
        "headerNames": sorted((destination.headers or {}).keys()), "recipients": list(destination.recipients or []),
        "formIds": list(destination.formIds or []), "enabled": destination.enabled, "active": destination.active,
        "rateLimit": destination.rateLimit, "siteIds": list(destination.siteIds or []),
        "subjectTemplate": destination.subjectTemplate,
        # An integration's settings without its credentials (those are encrypted and never shown).
        "integration": dict(destination.integration or {}),
    }


def destination_settings_clean(*, type: str, url: str | None, headers: dict[str, str] | None,
                               recipients: list[str] | None, form_ids: list[str] | None,
                               rate_limit: float | None = None, site_ids: list[str] | None = None,
                               subject_template: str | None = None, tenant: Tenant | None = None,
                               integration: dict | None = None, has_credentials: bool = False) -> dict:
    """Validate a destination's settings; InvalidDestination names each bad field. Chosen
    sites must be the tenant's own live sites. An integration's credentials come back under
    "credentials" (JSON to encrypt; None keeps the stored ones)."""
    errors: dict[str, str] = {}
    clean: dict = {"type": type, "url": None, "headers": {}, "recipients": [], "formIds": [], "rateLimit": None,
                   "siteIds": [], "subjectTemplate": None, "integration": {}, "credentials": None}
    integration_rate = None
    if type not in (WEBHOOK, EMAIL, *INTEGRATION_TYPES):
        errors["type"] = "Choose a destination type."
    elif type in INTEGRATION_TYPES:
        cleaned, problems = integration_settings_clean(kind=type, values=integration or {},
                                                       has_credentials=has_credentials, rate_limit=rate_limit)
        errors.update(problems)
        if cleaned is not None:
            clean["integration"], clean["credentials"] = cleaned.integration, cleaned.credentials
            integration_rate = cleaned.rate_limit
    elif type == WEBHOOK:
        url = (url or "").strip()
        if not url:
            errors["url"] = "Enter the URL to send submissions to."
        elif len(url) > 2000:
            errors["url"] = "The URL is too long (2,000 characters at most)."
        else:
            try:
                url_target(url)
            except AddressRefused as refused:
                errors["url"] = str(refused)
            clean["url"] = url
        headers = headers or {}
        if len(headers) > MAX_HEADERS:
            errors["headers"] = f"At most {MAX_HEADERS} custom headers."
        for name, value in headers.items():
            lowered = name.lower()
            if not HEADER_NAME.match(name):
                errors["headers"] = f"{name!r} is not a valid header name."
            elif lowered in FORBIDDEN_HEADERS or lowered.startswith("webhook-"):
                errors["headers"] = f"The {name} header is set by Form-Bridge and cannot be changed."
            elif any(c in value for c in "\r\n\0") or len(value) > 1000:
                errors["headers"] = f"The value of {name} is not allowed (one line, 1,000 characters at most)."
            elif not (value.isascii() and value.isprintable()):
                # HTTP carries Latin-1 at best; receivers expect ASCII: anything else fails at send time.
                errors["headers"] = f"The value of {name} must be visible ASCII characters (no accents, no emoji)."
        clean["headers"] = dict(headers)
    else:
        recipients = [r.strip().lower() for r in (recipients or []) if r.strip()]
        if not recipients:
            errors["recipients"] = "Enter at least one e-mail address."
        elif len(recipients) > MAX_RECIPIENTS:
            errors["recipients"] = f"At most {MAX_RECIPIENTS} recipients."
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                errors["recipients"] = f"{address} is not a valid e-mail address."
        clean["recipients"] = list(dict.fromkeys(recipients))
        subject_template = (subject_template or "").strip()
        problem = subject_template_problem(subject_template) if subject_template else None
        if problem:
            errors["subject_template"] = problem
        clean["subjectTemplate"] = subject_template or None
    site_ids = list(dict.fromkeys(s.strip() for s in (site_ids or []) if s.strip()))
    if site_ids:
        own = {site.id for site in site_list(tenant_id=tenant.id)} if tenant is not None else set()
        if not set(site_ids) <= own:
            errors["site_ids"] = "Choose among your sites."
    clean["siteIds"] = site_ids
    form_ids = [f.strip() for f in (form_ids or []) if f.strip()]
    for form_id in form_ids:
        if not FORM_ID.match(form_id):
            errors["form_ids"] = f"{form_id!r} is not a valid form id (letters, digits, - _ . :)."
    clean["formIds"] = list(dict.fromkeys(form_ids))
    if rate_limit is not None:
        if not MIN_RATE <= float(rate_limit) <= MAX_RATE:
            errors["rate_limit"] = f"Between {MIN_RATE:g} and {MAX_RATE:g} requests per second, or empty for no limit."
        clean["rateLimit"] = float(rate_limit)
    if integration_rate is not None:
        clean["rateLimit"] = integration_rate  # never above what the vendor documents
    if errors:
        raise InvalidDestination(errors={field: [message] for field, message in errors.items()})
    return clean


def destination_create(*, tenant: Tenant, actor: str, name: str, type: str, url: str | None = None,
                       headers: dict[str, str] | None = None, recipients: list[str] | None = None,
                       form_ids: list[str] | None = None, rate_limit: float | None = None,
                       site_ids: list[str] | None = None, subject_template: str | None = None,
                       integration: dict | None = None) -> Destination:
    """A new destination with a fresh signing secret (encrypted at rest); an integration's
    credentials are encrypted the same way."""
    values = destination_settings_clean(type=type, url=url, headers=headers, recipients=recipients, form_ids=form_ids,
                                        rate_limit=rate_limit, site_ids=site_ids, subject_template=subject_template,
                                        tenant=tenant, integration=integration)
    credentials = values.pop("credentials")
    if credentials:
        values["credentialsEncrypted"] = field_encrypt(credentials)
    limit = plan_quotas(tenant=tenant).max_destinations
    if len(destination_list(tenant_id=tenant.id)) >= limit:
        raise PlanLimitReached(f"Your plan allows {limit} destination{'s' if limit != 1 else ''}. "
                               "Delete one or upgrade your plan to add another.")
    destination = Destination.in_tenant(tenant.id).new(
        id=new_id(), name=name.strip(),
        # A signing secret is for what Form-Bridge signs (webhooks); an integration has the vendor's credentials.
        secretEncrypted=None if type in INTEGRATION_TYPES else field_encrypt(secret_generate()),
        lastUpdatedBy=actor, **values,
    )
    destination.save(condition=Destination.pk.does_not_exist())
    audit_record(tenant_id=tenant.id, actor=actor, action="destination.create", target_type="destination",
                 target_id=destination.id, after=destination_public_dict(destination))
    return destination


def _change(destination: Destination, *, tenant: Tenant, actor: str, action: str, version: int | None = None,
            **changes) -> Destination:
    if version is not None and int(destination.version or 0) != int(version):
        raise ConcurrentEdit()
    before = destination_public_dict(destination)
    for attribute, value in changes.items():
        setattr(destination, attribute, value)
    destination.touch(actor)
    save_versioned(destination)
    audit_record(tenant_id=tenant.id, actor=actor, action=action, target_type="destination",
                 target_id=destination.id, before=before, after=destination_public_dict(destination))
    return destination


def destination_update(*, tenant: Tenant, actor: str, destination: Destination, version: int | None, name: str,
                       type: str, url: str | None = None, headers: dict[str, str] | None = None,
                       recipients: list[str] | None = None, form_ids: list[str] | None = None,
                       rate_limit: float | None = None, site_ids: list[str] | None = None,
                       subject_template: str | None = None, integration: dict | None = None) -> Destination:
    """Credentials left empty keep the stored ones, unless the type changed (they belong to
    another vendor then)."""
    same_type = destination.type == type
    values = destination_settings_clean(type=type, url=url, headers=headers, recipients=recipients, form_ids=form_ids,
                                        rate_limit=rate_limit, site_ids=site_ids, subject_template=subject_template,
                                        tenant=tenant, integration=integration,
                                        has_credentials=same_type and bool(destination.credentialsEncrypted))
    credentials = values.pop("credentials")
    if credentials:
        values["credentialsEncrypted"] = field_encrypt(credentials)
    elif not same_type or type not in INTEGRATION_TYPES:
        values["credentialsEncrypted"] = None
    elif "target" not in values["integration"] and (destination.integration or {}).get("target"):
        values["integration"]["target"] = destination.integration["target"]  # the kept URL's host
    return _change(destination, tenant=tenant, actor=actor, action="destination.update", version=version,
                   name=name.strip(), **values)


def destination_disable(*, tenant: Tenant, actor: str, destination: Destination) -> Destination:
    return _change(destination, tenant=tenant, actor=actor, action="destination.disable", enabled=False,
                   disabledReason=f"Disabled by {actor}.")


def destination_enable(*, tenant: Tenant, actor: str, destination: Destination) -> Destination:
    """Back on, with a clean bill of health (the failing streak starts again from zero)."""
    return _change(destination, tenant=tenant, actor=actor, action="destination.enable", enabled=True,
                   disabledReason=None,
                   consecutiveFailures=0, failingSince=None)


def destination_delete(*, tenant: Tenant, actor: str, destination: Destination) -> Destination:
    """Soft delete: inactive and disabled; nothing is removed, staff can restore it."""
    return _change(destination, tenant=tenant, actor=actor, action="destination.delete", active=False, enabled=False)


def destination_secret_reveal(*, tenant: Tenant, actor: str, destination: Destination) -> str:
    audit_record(tenant_id=tenant.id, actor=actor, action="destination.secret_reveal",
                 target_type="destination", target_id=destination.id)
    return field_decrypt(destination.secretEncrypted)


def destination_secret_rotate(*, tenant: Tenant, actor: str, destination: Destination,
                              now: datetime | None = None) -> str:
    """A new current secret; the old one keeps signing (alongside) for 24 hours."""
    now = now or utcnow()
    secret = secret_generate()
    kept = [p for p in destination.previousSecrets or [] if p.expiresAt > now]
    kept.append(PreviousSecret(secretEncrypted=destination.secretEncrypted, expiresAt=now + ROTATION_OVERLAP))
    destination.previousSecrets = kept
    destination.secretEncrypted = field_encrypt(secret)
    destination.touch(actor)
    save_versioned(destination)
    audit_record(tenant_id=tenant.id, actor=actor, action="destination.secret_rotate",
                 target_type="destination", target_id=destination.id,
                 detail=f"previous secret valid until {now + ROTATION_OVERLAP:%Y-%m-%d %H:%M} UTC")
    return secret
