"""Writes of tenants. E-mail uniqueness is kept by an EMAIL# guard item written in the same
transaction as the tenant (and moved in one transaction when the e-mail changes).

Lifecycle moves follow Tenant.next_statuses (a suspension needs a reason); anything else is
refused and changes nothing."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from pynamodb.exceptions import TransactWriteError

from portal.dynamo.base import condition_failures, is_condition_failure, new_id, save_versioned, transact_write
from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.dynamo.tenants import STATUSES, SUSPENDED, UNVALIDATED, Tenant, TenantEmailGuard
from portal.dynamo.users import OWNER, PortalUser
from portal.errors import ConcurrentEdit, FieldErrors, ServiceError
from portal.services.ingest import cache as ingest_cache
from portal.services.compliance.audit import audit_record
from portal.services.billing.common import staff_set_active, version_check
from portal.services.accounts.users import portal_user_build
from portal.services.accounts.password_links import password_link_spend, password_link_token, password_link_user
from portal.text import CONTROL_CHARACTERS, has_control_characters

INVITATION_MAX_AGE = timedelta(days=7)
_INVITATION_PURPOSE = "invitation"


class EmailTaken(FieldErrors):
    def __init__(self, email: str):
        super().__init__(f"The e-mail address {email} is already used by another account.", field="email")


class TransitionRefused(ServiceError):
    pass


class TenantInvalid(FieldErrors):
    pass


def organization_name_clean(organization: str) -> str:
    # The name goes into e-mail subjects: a line break there would fail the send after the
    # rows were written, so it is refused before anything is.
    if has_control_characters(organization):
        raise TenantInvalid(CONTROL_CHARACTERS, field="organization")
    return organization.strip()


class InvitationInvalid(ServiceError):
    def __init__(self, message: str = "This invitation link is invalid, has expired or has already been used."):
        super().__init__(message)


def tenant_public_dict(tenant: Tenant) -> dict:
    return {
        "id": tenant.id, "email": tenant.email, "organization": tenant.organization,
        "destinationEmail": tenant.destinationEmail, "status": tenant.status, "productId": tenant.productId,
        "campaignCode": tenant.campaignCode, "active": tenant.active, "suspensionReason": tenant.suspensionReason,
        "statusBeforeSuspension": tenant.statusBeforeSuspension,
    }


def tenant_create(*, email: str, organization: str, actor: str, product_id: str | None = None,
                  campaign_code: str | None = None, status: str = UNVALIDATED, staff: bool = False,
                  extra_writes=None, destination_email: str | None = None) -> Tenant:
    """Create a tenant and claim its e-mail atomically. `extra_writes(transaction, tenant)` lets
    a caller (checkout, staff create) add its own items to the same transaction."""
    email = email.strip().lower()
    tenant = Tenant(id=new_id(), email=email, organization=organization_name_clean(organization), status=status,
                    productId=product_id, campaignCode=campaign_code, lastUpdatedBy=actor,
                    destinationEmail=destination_email or None)
    tenant.sync_index_keys()
    guard = TenantEmailGuard(pk=TenantEmailGuard.key_for(email), tenantId=tenant.id)
    try:
        with transact_write() as transaction:
            transaction.save(guard, condition=TenantEmailGuard.pk.does_not_exist())
            transaction.save(tenant, condition=Tenant.pk.does_not_exist())
            if extra_writes:
                extra_writes(transaction, tenant)
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise EmailTaken(email) from error
        raise
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.create", target_type="tenant",
                 target_id=tenant.id, after=tenant_public_dict(tenant), staff=staff)
    return tenant


def _check_plan(*, product_id: str | None, campaign_code: str | None) -> None:
    if product_id:
        product = Product.by_id(product_id)
        if product is None or not product.active:
            raise TenantInvalid("Choose an active product.", field="product_id")
    if campaign_code:
        campaign = Campaign.by_code(campaign_code)
        if campaign is None or not campaign.active:
            raise TenantInvalid("No active campaign has that code.", field="campaign_code")
        if product_id and campaign.productId != product_id:
            raise TenantInvalid("That campaign is for another product.", field="campaign_code")


def tenant_staff_create(*, actor: str, email: str, organization: str, owner_name: str = "",
                        product_id: str | None = None, campaign_code: str | None = None,
                        destination_email: str | None = None, status: str = UNVALIDATED) -> tuple[Tenant, PortalUser]:
    """Staff create a tenant and its OWNER user (no usable password yet) in one transaction,
    then e-mail the owner a signed, expiring link to set a password."""
    if status not in STATUSES or status == SUSPENDED:
        raise TenantInvalid("Choose a starting status.", field="status")
    campaign_code = campaign_code.strip().upper() if campaign_code else None
    _check_plan(product_id=product_id, campaign_code=campaign_code)
    created = {}

    def add_owner(transaction, tenant):
        owner = portal_user_build(tenant_id=tenant.id, email=tenant.email, password=None, role=OWNER,
                                  actor=actor, name=owner_name)
        transaction.save(owner, condition=PortalUser.pk.does_not_exist())
        created["owner"] = owner

    tenant = tenant_create(email=email, organization=organization, actor=actor, product_id=product_id or None,
                           campaign_code=campaign_code, status=status, staff=True, extra_writes=add_owner,
                           destination_email=destination_email)
    owner = created["owner"]
    invitation_send(tenant=tenant, user=owner)
    audit_record(tenant_id=tenant.id, actor=actor, action="user.invite", target_type="user",
                 target_id=owner.email, after={"email": owner.email, "role": owner.role}, staff=True)
    return tenant, owner



def tenant_update(*, tenant: Tenant, actor: str, version: int, email: str, organization: str,
                  destination_email: str | None = None, product_id: str | None = None,
                  campaign_code: str | None = None) -> Tenant:
    """Edit a tenant's profile and plan. A new e-mail moves the EMAIL# guard in the same
    transaction as the tenant, so uniqueness holds whatever runs concurrently."""
    version_check(tenant, version)
    campaign_code = campaign_code.strip().upper() if campaign_code else None
    if campaign_code != tenant.campaignCode or (product_id or None) != tenant.productId:
        _check_plan(product_id=product_id, campaign_code=campaign_code)
    before = tenant_public_dict(tenant)
    old_email, new_email = tenant.email, email.strip().lower()
    tenant.email, tenant.organization = new_email, organization_name_clean(organization)
    tenant.destinationEmail = destination_email or None
    tenant.productId, tenant.campaignCode = product_id or None, campaign_code
    tenant.touch(actor)
    if new_email == old_email:
        save_versioned(tenant)
    else:
        tenant.sync_index_keys()
        old_guard = TenantEmailGuard(pk=TenantEmailGuard.key_for(old_email), tenantId=tenant.id)
        new_guard = TenantEmailGuard(pk=TenantEmailGuard.key_for(new_email), tenantId=tenant.id)
        try:
            with transact_write() as transaction:
                transaction.delete(old_guard, condition=TenantEmailGuard.tenantId == tenant.id)  # action 0
                transaction.save(new_guard, condition=TenantEmailGuard.pk.does_not_exist())  # action 1
                transaction.save(tenant)  # action 2, with the version condition
        except TransactWriteError as error:
            failed = condition_failures(error)
            if 1 in failed:
                raise EmailTaken(new_email) from error
            if failed:
                raise ConcurrentEdit() from error
            raise
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.update", target_type="tenant",
                 target_id=tenant.id, before=before, after=tenant_public_dict(tenant), staff=True)
    return tenant


def tenant_status_change(*, tenant: Tenant, actor: str, version: int | None, to_status: str,
                         reason: str = "") -> Tenant:
    """Move a tenant along its lifecycle, or raise TransitionRefused and change nothing."""
    version_check(tenant, version)
    current, reason = tenant.status, (reason or "").strip()
    before = tenant_public_dict(tenant)
    if to_status not in STATUSES:
        raise TransitionRefused(f"{to_status} is not a tenant status.")
    if to_status not in tenant.next_statuses:
        if current != SUSPENDED:
            raise TransitionRefused(f"A tenant cannot go from {current} to {to_status}.")
        if to_status == SUSPENDED:
            raise TransitionRefused("This tenant is already suspended.")
        raise TransitionRefused("A suspended tenant can only be reactivated to the state it had before, "
                                f"{tenant.next_statuses[0]}.")
    if to_status == SUSPENDED:
        if not reason:
            raise TransitionRefused("Give a reason for the suspension.")
        tenant.statusBeforeSuspension, tenant.suspensionReason = current, reason
        action = "tenant.suspend"
    elif current == SUSPENDED:
        tenant.statusBeforeSuspension, tenant.suspensionReason = None, None
        action = "tenant.reactivate"
    else:
        action = "tenant.status"
    tenant.status = to_status
    tenant.touch(actor)
    save_versioned(tenant)
    ingest_cache.forget_tenant(tenant.id)  # this process at once; others within INGEST_CACHE_SECONDS
    audit_record(tenant_id=tenant.id, actor=actor, action=action, target_type="tenant", target_id=tenant.id,
                 before=before, after=tenant_public_dict(tenant), detail=reason or None, staff=True)
    return tenant


def _tenant_set_active(*, tenant: Tenant, actor: str, version: int | None, active: bool) -> Tenant:
    return staff_set_active(version_check(tenant, version), actor=actor, active=active,
                            target_type="tenant", target_id=tenant.id, public_dict=tenant_public_dict,
                            tenant_id=tenant.id)


def tenant_delete(*, tenant: Tenant, actor: str, version: int | None = None) -> Tenant:
    """Soft delete: the tenant's users can no longer sign in (auth checks tenant.active)."""
    return _tenant_set_active(tenant=tenant, actor=actor, version=version, active=False)


def tenant_restore(*, tenant: Tenant, actor: str, version: int | None = None) -> Tenant:
    return _tenant_set_active(tenant=tenant, actor=actor, version=version, active=True)


# Invitations: a signed, expiring token that stops working once a password is set, because it
# carries a digest of the password hash the user had when it was issued.

def invitation_token(*, user: PortalUser) -> str:
    return password_link_token(user=user, purpose=_INVITATION_PURPOSE)


def invitation_send(*, tenant: Tenant, user: PortalUser) -> None:
    link = settings.SITE_URL + reverse("invite:accept", kwargs={"token": invitation_token(user=user)})
    days = INVITATION_MAX_AGE.days
    send_mail(
        subject=f"You are invited to Form-Bridge ({tenant.organization})",
        message=(f"Hello,\n\nan account for {tenant.organization} has been created on Form-Bridge with this "
                 f"e-mail address.\nSet your password here (the link works once, for {days} days):\n\n{link}\n\n"
                 "If you did not expect this e-mail, you can ignore it.\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email],
    )


def invitation_user(*, token: str) -> PortalUser:
    """The invited user the token belongs to, or InvitationInvalid."""
    user = password_link_user(token=token, purpose=_INVITATION_PURPOSE, max_age=INVITATION_MAX_AGE)
    if user is None:
        raise InvitationInvalid()
    return user


def invitation_accept(*, token: str, password: str) -> PortalUser:
    """Set the invited user's password; the token is spent once the hash changes."""
    user = password_link_spend(user=invitation_user(token=token), password=password)
    audit_record(tenant_id=user.tenantId, actor=user.email, action="user.invitation_accept",
                 target_type="user", target_id=user.email)
    return user
