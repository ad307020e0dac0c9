"""Who may do what in a tenant's portal: one table, read by the view guard
(decorators.permission_required), the team service and the templates.

An action names a kind of work; a role lists the actions it may take. `user_can` is the one
question every caller asks. It takes the site an action touches (when there is one), so a
role scoped to some sites (a CLIENT role, later) is a new row here plus a site check in
`user_can`, without touching any view."""
from __future__ import annotations

from portal.dynamo.users import ADMIN, MEMBER, OWNER

# Work any teammate does.
VIEW = "view"  # read pages: dashboard, submissions, sites, destinations, deliveries, team
EXPORT = "export"  # download submissions (CSV, JSON Lines)
RETRY = "retry"  # retry or resend deliveries
MARK_SPAM = "mark_spam"
# Work that changes what the account is or who is in it.
MANAGE_SITES = "manage_sites"
MANAGE_KEYS = "manage_keys"
MANAGE_DESTINATIONS = "manage_destinations"
MANAGE_SECRETS = "manage_secrets"  # reveal or rotate signing secrets
MANAGE_TEAM = "manage_team"  # invite, remove, assign roles
MANAGE_ACCOUNT = "manage_account"  # organisation profile
PRIVACY_DELETE = "privacy_delete"  # delete a submission for good
MANAGE_API_TOKENS = "manage_api_tokens"  # create, list, revoke tenant API tokens (the read/action API)

MEMBER_ACTIONS = frozenset({VIEW, EXPORT, RETRY, MARK_SPAM})
ADMIN_ACTIONS = MEMBER_ACTIONS | {MANAGE_SITES, MANAGE_KEYS, MANAGE_DESTINATIONS, MANAGE_SECRETS, MANAGE_TEAM,
                                  MANAGE_ACCOUNT, PRIVACY_DELETE, MANAGE_API_TOKENS}
PERMISSIONS: dict[str, frozenset[str]] = {OWNER: ADMIN_ACTIONS, ADMIN: ADMIN_ACTIONS, MEMBER: MEMBER_ACTIONS}
ALL_ACTIONS = frozenset().union(*PERMISSIONS.values())
# Roles the team page can give; there is exactly one OWNER, the account's e-mail.
ASSIGNABLE_ROLES = (ADMIN, MEMBER)
ROLE_LABELS = {OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member"}


def role_allows(*, role: str, action: str, site_id: str | None = None) -> bool:
    return action in PERMISSIONS.get(role, frozenset())


def user_can(user, action: str, *, site_id: str | None = None) -> bool:
    return bool(user) and user.active and role_allows(role=user.role, action=action, site_id=site_id)
