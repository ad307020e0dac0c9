"""Writes of portal users (tenant accounts)."""
from __future__ import annotations

from django.contrib.auth.hashers import make_password
from pynamodb.exceptions import PutError

from portal.dynamo.base import is_condition_failure, new_id
from portal.dynamo.users import MEMBER, PortalUser
from portal.errors import FieldErrors


class UserEmailTaken(FieldErrors):
    def __init__(self, email: str):
        super().__init__(f"A user with the e-mail address {email} already exists.", field="email")


def portal_user_build(*, tenant_id: str, email: str, password: str | None, role: str = MEMBER,
                      actor: str, name: str = "", site_ids=()) -> PortalUser:
    """An unsaved user (for transactions); password None means invited, no usable password."""
    user = PortalUser.in_tenant(tenant_id).new(
        id=new_id(), email=email.strip().lower(), name=name, role=role, lastUpdatedBy=actor,
        passwordHash=make_password(password) if password else "!", siteIds=list(site_ids),
    )
    user.sync_index_keys()
    return user


def portal_user_create(*, tenant_id: str, email: str, password: str | None, role: str = MEMBER,
                       actor: str, name: str = "", reclaim_inactive: bool = False, site_ids=()) -> PortalUser:
    """A new user; UserEmailTaken when any user has the address. With reclaim_inactive, a
    deactivated user's item (a removed member) is replaced, so the address is free again."""
    user = portal_user_build(tenant_id=tenant_id, email=email, password=password, role=role, actor=actor, name=name,
                             site_ids=site_ids)
    condition = PortalUser.pk.does_not_exist()
    previous = PortalUser.lookup_for_login(user.email) if reclaim_inactive else None
    if previous is not None and not previous.active:
        # Replace exactly the inactive copy we read (its version), never a live account.
        user.version = previous.version
        condition = PortalUser.active == False  # noqa: E712 (a PynamoDB condition)
    try:
        user.save(condition=condition)
    except PutError as error:
        if is_condition_failure(error):
            raise UserEmailTaken(user.email) from error
        raise
    return user
