"""The tenant's own lifecycle steps after checkout: what an unconfirmed tenant may not do yet,
and registration completing when the first site is added.

UNVALIDATED (e-mail not confirmed) -> VALIDATED (confirmed) -> REGISTERED (first site added).
Every transition goes through services.tenants.tenant_status_change, so the rules and the
audit trail stay in one place."""
from __future__ import annotations

from portal.dynamo.sites import Site
from portal.dynamo.tenants import REGISTERED, VALIDATED, Tenant
from portal.errors import ConcurrentEdit, ServiceError
from portal.selectors.access import access_tenant
from portal.services.billing.tenants import TransitionRefused, tenant_status_change

API_KEY_STATUSES = (VALIDATED, REGISTERED)


class EmailNotConfirmed(ServiceError):
    def __init__(self, message: str = ("Confirm your e-mail address before creating API keys: open the link we "
                                       "sent you, or re-send it from your account page.")):
        super().__init__(message)


def api_keys_allowed(*, tenant: Tenant) -> bool:
    """Only a tenant that has confirmed its e-mail (and is not suspended) may create API keys."""
    return tenant.status in API_KEY_STATUSES


def require_validated(tenant: Tenant) -> None:
    if not api_keys_allowed(tenant=tenant):
        raise EmailNotConfirmed()


def _has_active_site(tenant_id: str) -> bool:
    sites = Site.in_tenant(tenant_id).query(tenant_id, index=Site.tenant_index, filter_condition=Site.active == True)  # noqa: E712
    return next(iter(sites), None) is not None


def _advance(*, tenant_id: str, actor: str, from_status: str, to_status: str) -> Tenant | None:
    """Move the tenant from one state to the next; None when it is (no longer) in from_status.
    One retry on a concurrent edit: the transition is re-checked against the fresh item."""
    for _attempt in range(2):
        current = access_tenant(tenant_id=tenant_id)
        if current.status != from_status:
            return None
        try:
            return tenant_status_change(tenant=current, actor=actor, version=current.version, to_status=to_status)
        except ConcurrentEdit:
            continue
        except TransitionRefused:
            return None
    return None


def onboarding_site_added(*, tenant: Tenant, actor: str) -> Tenant:
    """Call after a site is created: a VALIDATED tenant becomes REGISTERED; no-op otherwise."""
    moved = _advance(tenant_id=tenant.id, actor=actor, from_status=VALIDATED, to_status=REGISTERED)
    return moved or tenant


def onboarding_email_confirmed(*, tenant: Tenant, actor: str) -> Tenant:
    """A tenant that added a site before confirming its e-mail completes registration now."""
    if tenant.status == VALIDATED and _has_active_site(tenant.id):
        return _advance(tenant_id=tenant.id, actor=actor, from_status=VALIDATED, to_status=REGISTERED) or tenant
    return tenant
