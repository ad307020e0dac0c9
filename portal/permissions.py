"""Who may do what in a tenant's portal: one table, read by the view guard
(decorators.permission_required), the team service and the templates.

An action names a kind of work; a role lists the actions it may take. `user_can` is the one
question every caller asks. It takes the site an action touches (when there is one), so a
role scoped to some sites (a CLIENT role, later) is a new row here plus a site check in
`user_can`, without touching any view."""
from __future__ import annotations

from portal.dynamo.users import ADMIN, CLIENT, MEMBER, OWNER

# Work any teammate does.
VIEW = "view"  # read pages: dashboard, submissions, sites, destinations, deliveries, team
EXPORT = "export"  # download submissions (CSV, JSON Lines)
RETRY = "retry"  # retry or resend deliveries
MARK_SPAM = "mark_spam"
WORK_LEADS = "work_leads"  # lead state, assignment, notes, replies (a CLIENT: as its owner allows)
# Work that changes what the account is or who is in it.
MANAGE_SITES = "manage_sites"
MANAGE_KEYS = "manage_keys"
MANAGE_DESTINATIONS = "manage_destinations"
MANAGE_SECRETS = "manage_secrets"  # reveal or rotate signing secrets
MANAGE_TEAM = "manage_team"  # invite, remove, assign roles
MANAGE_ACCOUNT = "manage_account"  # organisation profile
PRIVACY_DELETE = "privacy_delete"  # delete a submission for good; privacy requests (find, export, erase)
MANAGE_API_TOKENS = "manage_api_tokens"  # create, list, revoke tenant API tokens (the read/action API)
MANAGE_REPORTS = "manage_reports"  # client reports: which are e-mailed, to whom, send now
# Work a site-scoped CLIENT does too. Whoever may VIEW the tenant may do these (IMPLIED).
VIEW_SUBMISSIONS = "view_submissions"  # dashboard, submissions and their delivery status of one's sites
OWN_PASSWORD = "own_password"  # change one's own password
VIEW_REPORTS = "view_reports"  # monthly client reports (a client: its own) and opting out of their e-mail
OWN_TWO_FACTOR = "own_two_factor"  # set up, renew or turn off one's own two-factor sign-in

MEMBER_ACTIONS = frozenset({VIEW, EXPORT, RETRY, MARK_SPAM, WORK_LEADS})
ADMIN_ACTIONS = MEMBER_ACTIONS | {MANAGE_SITES, MANAGE_KEYS, MANAGE_DESTINATIONS, MANAGE_SECRETS, MANAGE_TEAM,
                                  MANAGE_ACCOUNT, PRIVACY_DELETE, MANAGE_API_TOKENS, MANAGE_REPORTS}
# A CLIENT (an agency's customer) sees and exports its own sites' submissions, nothing else
# of the tenant (no keys, destinations, team, billing); which sites is on its user
# (PortalUser.siteIds) and every read of submissions honours it (site_scope_of).
CLIENT_ACTIONS = frozenset({VIEW_SUBMISSIONS, EXPORT, OWN_PASSWORD, VIEW_REPORTS, WORK_LEADS, OWN_TWO_FACTOR})
PERMISSIONS: dict[str, frozenset[str]] = {OWNER: ADMIN_ACTIONS, ADMIN: ADMIN_ACTIONS, MEMBER: MEMBER_ACTIONS,
                                          CLIENT: CLIENT_ACTIONS}
# Seeing the whole tenant includes seeing its submissions and keeping one's own sign-in.
IMPLIED = {VIEW: frozenset({VIEW_SUBMISSIONS, OWN_PASSWORD, OWN_TWO_FACTOR, VIEW_REPORTS})}
ALL_ACTIONS = frozenset().union(*PERMISSIONS.values(), *IMPLIED.values())
# Roles the team page can give; there is exactly one OWNER, the account's e-mail.
ASSIGNABLE_ROLES = (ADMIN, MEMBER, CLIENT)
SITE_SCOPED_ROLES = (CLIENT,)
ROLE_LABELS = {OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member", CLIENT: "Client"}


def role_allows(*, role: str, action: str, site_id: str | None = None) -> bool:
    granted = PERMISSIONS.get(role, frozenset())
    return action in granted or any(action in IMPLIED.get(base, ()) for base in granted)


def site_scope_of(user) -> frozenset[str] | None:
    """The sites a user's reads are limited to: None for the whole tenant, a set (maybe empty)
    for a site-scoped role."""
    if user is None or user.role not in SITE_SCOPED_ROLES:
        return None
    return frozenset(user.siteIds or ())


def user_can(user, action: str, *, site_id: str | None = None) -> bool:
    if not (bool(user) and user.active and role_allows(role=user.role, action=action, site_id=site_id)):
        return False
    scope = site_scope_of(user)
    return site_id is None or scope is None or site_id in scope
