"""Reset, invitation and verification links move their token into the session and redirect to
a token-free URL before any page is shown (the way Django's PasswordResetConfirmView does)."""
import re

from django.core import mail
from django.test import Client

from portal.dynamo.tenants import VALIDATED
from portal.selectors.billing.tenants import tenant_get_by_email
from portal.services.accounts.team import team_invite
from tests.factories.accounts import make_product, make_tenant
from tests.views.test_public_pages import _checkout_data


def _token_path(route):
    return re.search(rf"https?://[^/\s]+(/{route}/(\S+)/)", mail.outbox[-1].body).groups()


def _assert_moves_to_session(client, path, token, placeholder_path):
    first = client.get(path)
    assert first.status_code == 302 and first["Location"] == placeholder_path
    assert token not in first["Location"]
    page = client.get(first["Location"])
    assert token not in page.content.decode()
    return page


def test_reset_link_form_is_on_a_token_free_url_and_posting_there_sets_the_password(ddb):
    tenant, user = make_tenant()
    Client().post("/password-reset/", {"email": user.email})
    path, token = _token_path("password-reset")
    client = Client()
    page = _assert_moves_to_session(client, path, token, "/password-reset/set/")
    assert "Set a new password" in page.content.decode()
    done = client.post("/password-reset/set/", {"password": "new-secret-pass-42", "password_again": "new-secret-pass-42"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert Client().get("/password-reset/set/").status_code == 404  # a session without the token


def test_invitation_link_form_is_on_a_token_free_url(ddb):
    tenant, owner = make_tenant()
    team_invite(tenant=tenant, actor=owner, email="new@acme.example")
    path, token = _token_path("invite")
    page = _assert_moves_to_session(Client(), path, token, "/invite/set/")
    assert "Set your password" in page.content.decode()


def test_verification_link_confirms_on_a_token_free_url(ddb):
    Client().post("/checkout/", _checkout_data(make_product()))
    path, token = _token_path("verify")
    page = _assert_moves_to_session(Client(), path, token, "/verify/confirm/")
    assert "E-mail confirmed" in page.content.decode()
    assert tenant_get_by_email(email="buyer@shop.example").status == VALIDATED
