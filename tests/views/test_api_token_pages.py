"""The account pages of issue 16: API tokens (created with scopes and shown once, listed by
prefix, revoked) and notice settings; owners and admins only, each tenant only its own."""
import re

from django.test import Client

from portal.dynamo.users import MEMBER, PortalUser
from portal.selectors.access import access_tenant
from portal.selectors.api import api_token_list
from portal.services.accounts.api_tokens import SUBMISSIONS_READ, api_token_create
from portal.services.delivery_setup.notices import FORM_SILENT, KINDS, QUOTA_WARNING
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.accounts import PASSWORD, make_tenant


def _client(email):
    client = Client()
    assert client.post("/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_an_owner_creates_a_token_sees_it_once_and_revokes_it(ddb):
    tenant, owner = make_tenant()
    client = _client(owner.email)
    created = client.post("/account/api-tokens/", {"label": "Zapier", "scopes": [SUBMISSIONS_READ]}, follow=True)
    assert created.status_code == 200 and created["Cache-Control"].startswith("max-age=0")
    assert created.redirect_chain[0][0].startswith("/account/api-tokens/")
    assert created.content.decode().count("fbt_") >= 1 and client.get(created.redirect_chain[0][0]).status_code == 200
    raw = re.search(r'value="(fbt_[^"]+)"', created.content.decode()).group(1)
    assert client.get("/api/v1/submissions", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    listing = client.get("/account/api-tokens/").content.decode()
    assert raw not in listing and raw[:12] in listing and "Zapier" in listing
    (token,) = api_token_list(tenant_id=tenant.id)
    assert client.post("/account/api-tokens/revoke/", {"token_id": token.id}).status_code == 302
    assert client.get("/api/v1/submissions", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_token_needs_a_scope(ddb):
    tenant, owner = make_tenant()
    answer = _client(owner.email).post("/account/api-tokens/", {"label": "x"})
    assert answer.status_code == 400 and "Choose at least one scope" in answer.content.decode()
    assert api_token_list(tenant_id=tenant.id) == []


def test_members_cannot_see_or_make_tokens_and_another_tenant_cannot_revoke(ddb):
    tenant, owner = make_tenant()
    other, other_owner = make_tenant()
    token, raw = api_token_create(tenant=tenant, actor="tests", label="", scopes=[SUBMISSIONS_READ])
    member = team_invite(tenant=tenant, actor=owner, email="m@tokens.example")
    invitation_accept(token=invitation_token(user=member), password=PASSWORD)
    assert PortalUser.lookup_for_login("m@tokens.example").role == MEMBER
    member_client = _client("m@tokens.example")
    assert member_client.get("/account/api-tokens/").status_code == 403
    assert member_client.post("/account/api-tokens/", {"scopes": [SUBMISSIONS_READ]}).status_code == 403
    assert member_client.get("/account/notices/").status_code == 403
    intruder = _client(other_owner.email)
    assert intruder.post("/account/api-tokens/revoke/", {"token_id": token.id}).status_code == 404
    assert token.id not in intruder.get("/account/api-tokens/").content.decode()
    assert api_token_list(tenant_id=tenant.id)[0].active


def test_the_owner_chooses_notices_and_gets_a_webhook_secret(ddb):
    tenant, owner = make_tenant()
    client = _client(owner.email)
    page = client.get("/account/notices/")
    assert page.status_code == 200 and FORM_SILENT in page.content.decode()
    kept = [k for k in KINDS if k != QUOTA_WARNING]
    saved = client.post("/account/notices/", {"version": access_tenant(tenant_id=tenant.id).version, "kinds": kept,
                                              "webhook_url": "https://ops.agency.example/hooks", "silent_hours": 72})
    assert saved.status_code == 302
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.noticesOff == [QUOTA_WARNING] and stored.silentHours == 72
    assert stored.noticeWebhookUrl == "https://ops.agency.example/hooks"
    assert "whsec_" in client.get("/account/notices/").content.decode()
    stale = client.post("/account/notices/", {"version": 1, "kinds": kept, "webhook_url": "", "silent_hours": 48})
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    assert access_tenant(tenant_id=tenant.id).silentHours == 72
