"""Roles: one permission table guards every tenant view. The walk visits every tenant URL
with each role and checks the answer against the table (403 exactly where it says no)."""
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal import permissions as perm
from portal.dynamo.users import ADMIN, MEMBER, OWNER, PortalUser
from portal.services.compliance.privacy import privacy_erase_request
from portal.services.accounts.team import TeamPermissionDenied, TeamRefused, team_invite, team_role_change
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.reports import site_report_key, this_month
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_site, make_submission


def _token_id(tenant, owner) -> str:
    from portal.services.accounts.api_tokens import SUBMISSIONS_READ, api_token_create

    return api_token_create(tenant=tenant, actor=owner.email, label="script", scopes=[SUBMISSIONS_READ])[0].id


def _tenant_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _tenant_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "tenant_view", False):
            yield prefix + str(entry.pattern), entry.callback


def _teammate(tenant, owner, email, role):
    user = team_invite(tenant=tenant, actor=owner, email=email)
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    if role != MEMBER:
        team_role_change(tenant=tenant, actor=owner, user_id=user.id, role=role)
    return PortalUser.lookup_for_login(email)


def _client(email):
    client = Client()
    assert client.post("/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_every_tenant_view_is_guarded_by_the_table():
    patterns = list(_tenant_patterns())
    assert len(patterns) > 30
    unguarded = [route for route, view in patterns if not getattr(view, "permission", None)]
    assert unguarded == []
    unknown = {route: view.permission for route, view in patterns
               if not set(view.permission.values()) <= perm.ALL_ACTIONS}
    assert unknown == {}


def test_the_table_as_the_issue_states_it():
    for role in (OWNER, ADMIN):
        for action in (perm.MANAGE_SITES, perm.MANAGE_KEYS, perm.MANAGE_DESTINATIONS, perm.MANAGE_SECRETS,
                       perm.MANAGE_TEAM, perm.PRIVACY_DELETE, perm.VIEW, perm.EXPORT, perm.RETRY, perm.MARK_SPAM):
            assert perm.role_allows(role=role, action=action)
    assert perm.PERMISSIONS[MEMBER] == {perm.VIEW, perm.EXPORT, perm.RETRY, perm.MARK_SPAM, perm.WORK_LEADS}
    for role in (OWNER, ADMIN, "CLIENT"):  # the lead inbox: a client works its sites' leads as its owner allows
        assert perm.role_allows(role=role, action=perm.WORK_LEADS)
    assert not perm.role_allows(role="CLIENT", action=perm.VIEW)  # unknown roles get nothing


def test_walk_every_tenant_url_with_each_role(ddb):
    tenant, owner = make_tenant()
    admin = _teammate(tenant, owner, "admin@walk.example", ADMIN)
    member = _teammate(tenant, owner, "member@walk.example", MEMBER)
    spare = _teammate(tenant, owner, "spare@walk.example", MEMBER)
    site = make_site(tenant)
    key, _raw = make_key(tenant, site)
    destination = make_destination(tenant, owner)
    submission_id = make_submission(tenant, site_id=site.id)
    job = privacy_erase_request(tenant=tenant, actor=owner.email, email="a@example.com")
    ids = {"site_id": site.id, "key_id": key.id, "destination_id": destination.id, "submission_id": submission_id,
           "user_id": spare.id, "file_index": "0", "job_id": job.id, "report_key": site_report_key(site),
           "month": this_month(), "token_id": _token_id(tenant, owner)}
    checked = 0
    # Members first: what they are refused must still exist when the owner's turn deletes it.
    for user in (member, admin, owner):
        client = _client(user.email)
        for route, view in _tenant_patterns():
            path = "/" + route
            for name, value in ids.items():
                path = path.replace(f"<str:{name}>", value)
            assert "<" not in path, route
            for method, needed in (("get", view.permission["read"]), ("post", view.permission["write"])):
                response = getattr(client, method)(path)
                if response.status_code == 405:
                    continue
                allowed = perm.role_allows(role=user.role, action=needed)
                assert (response.status_code == 403) == (not allowed), (user.role, method, path, response.status_code)
                checked += 1
            if path == "/logout/":
                client = _client(user.email)
    assert checked > 60


def test_the_team_page_assigns_roles_and_an_admin_manages_the_team(ddb):
    tenant, owner = make_tenant()
    member = _teammate(tenant, owner, "m@roles.example", MEMBER)
    owner_client = _client(owner.email)
    response = owner_client.post(f"/account/team/{member.id}/role/", {"role": ADMIN}, follow=True)
    assert "m@roles.example is now admin." in response.content.decode()
    assert PortalUser.lookup_for_login("m@roles.example").role == ADMIN
    admin_client = _client("m@roles.example")
    assert admin_client.get("/account/team/").status_code == 200
    assert admin_client.post("/account/team/", {"email": "new@roles.example"}).status_code == 302
    refused = admin_client.post(f"/account/team/{owner.id}/role/", {"role": MEMBER}, follow=True)
    assert "cannot be changed" in refused.content.decode() and PortalUser.lookup_for_login(owner.email).role == OWNER


def test_role_changes_are_refused_to_members_and_for_unknown_roles(ddb):
    tenant, owner = make_tenant()
    member = _teammate(tenant, owner, "m2@roles.example", MEMBER)
    with pytest.raises(TeamPermissionDenied):
        team_role_change(tenant=tenant, actor=member, user_id=member.id, role=ADMIN)
    with pytest.raises(TeamRefused):
        team_role_change(tenant=tenant, actor=owner, user_id=member.id, role=OWNER)
    assert _client("m2@roles.example").post(f"/account/team/{member.id}/role/", {"role": ADMIN}).status_code == 403
