"""The CLIENT role: a teammate scoped to chosen sites sees the dashboard, submissions, exports
and delivery status of those sites only. The walk visits every tenant URL as a client with its
own site's ids (403 exactly where the role table says no) and with another site's ids (never
an answer that shows or changes anything: 404, or 403 where the role is refused anyway)."""
import json

import pytest

from portal import permissions as perm
from portal.dynamo.users import CLIENT, PortalUser
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.compliance.privacy import privacy_erase_request
from portal.services.accounts.team import ClientSitesRequired, team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.selectors.reports.subjects import client_key_for
from tests.factories.reports import site_report_key, this_month
from tests.factories.accounts import PASSWORD, make_tenant, stored_items
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_site, make_submission
from tests.views.test_roles import _client, _tenant_patterns


def _client_user(tenant, owner, email, sites):
    user = team_invite(tenant=tenant, actor=owner, email=email, role=CLIENT, site_ids=[s.id for s in sites])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    return PortalUser.lookup_for_login(email)


@pytest.fixture
def agency(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="client-a.example"), make_site(tenant, domain="client-b.example")
    sub_a = make_submission(tenant, site_id=site_a.id, fields={"email": "ann@a.example", "msg": "from A"})
    sub_b = make_submission(tenant, site_id=site_b.id, fields={"email": "bob@b.example", "msg": "from B"})
    client_user = _client_user(tenant, owner, "client@a.example", [site_a])
    return tenant, owner, site_a, site_b, sub_a, sub_b, client_user


def _token(tenant, owner) -> str:
    from portal.services.accounts.api_tokens import SUBMISSIONS_READ, api_token_create

    token, _raw = api_token_create(tenant=tenant, actor=owner.email, label="script", scopes=[SUBMISSIONS_READ])
    return token.id


def _paths(ids):
    for route, view in _tenant_patterns():
        if route.startswith("dev/"):
            continue  # the development inspector: 404 for everyone outside DEBUG (tests run without)
        path = "/" + route
        for name, value in ids.items():
            path = path.replace(f"<str:{name}>", value)
        assert "<" not in path, route
        yield path, view


def test_a_client_walks_every_tenant_url_and_is_refused_exactly_where_the_table_says(agency):
    tenant, owner, site_a, _site_b, sub_a, _sub_b, client_user = agency
    key, _ = make_key(tenant, site_a)
    destination = make_destination(tenant, owner)
    job = privacy_erase_request(tenant=tenant, actor=owner.email, email="ann@a.example")
    ids = {"site_id": site_a.id, "key_id": key.id, "destination_id": destination.id, "submission_id": sub_a,
           "user_id": owner.id, "job_id": job.id, "file_index": "0", "report_key": client_key_for([site_a.id]),
           "month": this_month(), "token_id": _token(tenant, owner)}
    client = _client(client_user.email)
    allowed_pages = []
    for path, view in _paths(ids):
        for method, needed in (("get", view.permission["read"]), ("post", view.permission["write"])):
            response = getattr(client, method)(path)
            if response.status_code == 405:
                continue
            allowed = perm.role_allows(role=CLIENT, action=needed)
            assert (response.status_code == 403) == (not allowed), (method, path, response.status_code)
            if allowed and method == "get" and response.status_code == 200:
                allowed_pages.append(path)
        if path == "/logout/":
            client = _client(client_user.email)
    assert {"/", "/submissions/", f"/submissions/{sub_a}/", f"/submissions/{sub_a}/deliveries/",
            "/submissions/export.csv", "/account/password/"} <= set(allowed_pages)
    assert not any(p.startswith(("/sites", "/destinations", "/account/team", "/privacy")) for p in allowed_pages)


def test_a_client_asking_for_another_sites_things_gets_404_and_changes_nothing(agency):
    tenant, owner, site_a, site_b, sub_a, sub_b, client_user = agency
    key_b, _ = make_key(tenant, site_b)
    destination = make_destination(tenant, owner)
    ids = {"site_id": site_b.id, "key_id": key_b.id, "destination_id": destination.id, "submission_id": sub_b,
           "user_id": owner.id, "job_id": "01J0000000000000000000000A", "file_index": "0",
           "report_key": site_report_key(site_b), "month": this_month(), "token_id": _token(tenant, owner)}
    client = _client(client_user.email)
    before = stored_items()
    checked = 0
    for path, view in _paths(ids):
        if path == "/logout/" or path.startswith("/account/two-factor/"):
            continue  # signing out; the client's own two-factor set-up (its own, not another site's)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code == 405:
                continue
            needed = view.permission["read" if method == "get" else "write"]
            names_an_id = any(value in path for value in ids.values())
            if perm.role_allows(role=CLIENT, action=needed) and names_an_id:
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
            else:
                assert response.status_code in (403, 404) or not names_an_id, (method, path, response.status_code)
            body = b"" if response.streaming else response.content
            assert sub_b.encode() not in body and b"from B" not in body and b"client-b.example" not in body, path
    assert checked >= 3
    after = stored_items()
    after.pop("audit"), before.pop("audit")
    assert after == before


def test_a_clients_lists_exports_and_dashboard_hold_only_its_sites(agency):
    tenant, _owner, site_a, site_b, sub_a, sub_b, client_user = agency
    client = _client(client_user.email)
    listing = client.get("/submissions/").content.decode()
    assert sub_a in listing and sub_b not in listing
    # Asking for the other site by its id is not a choice: the form refuses it and shows only A.
    forged = client.get(f"/submissions/?site={site_b.id}").content.decode()
    assert sub_b not in forged
    export = b"".join(client.get("/submissions/export.jsonl").streaming_content).decode()
    assert [json.loads(line)["id"] for line in export.splitlines()] == [sub_a]
    assert sub_b not in b"".join(client.get("/submissions/export.csv").streaming_content).decode()
    by_mail = client.get("/submissions/?email=BOB@b.example").content.decode()
    assert sub_b not in by_mail
    dashboard = client.get("/")
    assert dashboard.context["summary"].total == 1
    assert "client-b.example" not in dashboard.content.decode()
    # The owner (no site scope) sees both.
    assert tenant.site_scope is None
    everything = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items
    assert {s.id for s in everything} == {sub_a, sub_b}


def test_a_client_with_no_site_left_sees_nothing(agency):
    tenant, owner, site_a, _site_b, sub_a, _sub_b, client_user = agency
    client_user.siteIds = []
    client_user.save()
    client = _client(client_user.email)
    assert sub_a not in client.get("/submissions/").content.decode()
    assert client.get(f"/submissions/{sub_a}/").status_code == 404


def test_the_team_page_invites_a_client_with_chosen_sites(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="one.example"), make_site(tenant, domain="two.example")
    owner_client = _client(owner.email)
    page = owner_client.get("/account/team/").content.decode()
    assert "one.example" in page and "two.example" in page and "Client" in page
    response = owner_client.post("/account/team/", {"email": "c@one.example", "role": CLIENT, "site_ids": [site_a.id]})
    assert response.status_code == 302
    invited = PortalUser.lookup_for_login("c@one.example")
    assert (invited.role, invited.siteIds) == (CLIENT, [site_a.id])
    refused = owner_client.post("/account/team/", {"email": "d@one.example", "role": CLIENT})
    assert "Choose at least one of your sites" in refused.content.decode()
    assert PortalUser.lookup_for_login("d@one.example") is None
    other, other_owner = make_tenant()
    foreign = make_site(other, domain="foreign.example")
    with pytest.raises(ClientSitesRequired):
        team_invite(tenant=tenant, actor=owner, email="e@one.example", role=CLIENT, site_ids=[foreign.id])
    # A member becomes a client of site B through the role form.
    member = team_invite(tenant=tenant, actor=owner, email="m@one.example")
    owner_client.post(f"/account/team/{member.id}/role/", {"role": CLIENT, "site_ids": [site_b.id]})
    assert PortalUser.lookup_for_login("m@one.example").siteIds == [site_b.id]


def test_another_tenants_owner_walking_every_tenant_url_with_these_ids_gets_404(agency):
    tenant, owner, site_a, _site_b, sub_a, _sub_b, _client_user = agency
    key, _ = make_key(tenant, site_a)
    destination = make_destination(tenant, owner)
    job = privacy_erase_request(tenant=tenant, actor=owner.email, email="ann@a.example")
    ids = {"site_id": site_a.id, "key_id": key.id, "destination_id": destination.id, "submission_id": sub_a,
           "user_id": owner.id, "job_id": job.id, "file_index": "0", "report_key": client_key_for([site_a.id]),
           "month": this_month(), "token_id": _token(tenant, owner)}
    _other, stranger = make_tenant()
    client = _client(stranger.email)
    before = stored_items()
    checked = 0
    for path, _view in _paths(ids):
        if not any(value in path for value in ids.values()):
            continue
        for method in ("get", "post"):
            # A valid role, so the team's role form reaches the id instead of refusing the form first.
            response = client.get(path) if method == "get" else client.post(path, {"role": "MEMBER"})
            if response.status_code != 405:
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
    assert checked > 25
    # The privacy pages take an address, not an id: the stranger finds, exports and erases nothing of A's.
    assert client.get("/privacy/?email=ann@a.example").context["page"].items == []
    exported = json.loads(b"".join(client.get("/privacy/export.json?email=ann@a.example").streaming_content))
    assert exported["submissions"] == []
    client.post("/privacy/erase/", {"email": "ann@a.example", "confirm": "on"})
    after = stored_items()
    after.pop("audit"), before.pop("audit")
    assert after == before
