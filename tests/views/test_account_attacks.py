"""Accounts resist attack: the per-address sign-in limit uses the real client address and
cannot be raced, strangers only slow an e-mail down, signup and reset are limited per
address, e-mails echo nothing an attacker chose and names are one printable line."""
import threading
import uuid

import pytest
from django.core import mail
from django.core.mail.message import forbid_multi_line_headers
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from portal.errors import LoginRefused
from portal.services.accounts import auth, throttle
from portal.services.accounts.auth import BAD_CREDENTIALS, THROTTLED
from portal.services.billing.signup import SIGNUP_THROTTLED
from portal.services.accounts.team import team_invite, team_remove
from portal.services.billing.tenants import TenantInvalid, tenant_create
from portal.dynamo.users import PortalUser
from tests.factories.accounts import PASSWORD, make_product, make_tenant, stored_items
from tests.views.test_public_pages import _checkout_data


def _login(client, email, password, **extra):
    return client.post("/login/", {"email": email, "password": password}, **extra)


def test_rotating_x_forwarded_for_does_not_escape_the_per_address_limit(ddb):
    answers = [THROTTLED in _login(Client(), f"guess{n}@x.example", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
               .content.decode() for n in range(8)]
    assert answers == [False] * 5 + [True] * 3


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy(ddb):
    for n in range(5):
        _login(Client(REMOTE_ADDR="10.0.0.1"), f"g{n}@x.example", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5")
    assert THROTTLED in _login(Client(REMOTE_ADDR="10.0.0.1"), "g9@x.example", "wrong",
                               HTTP_X_FORWARDED_FOR="203.0.113.5").content.decode()
    assert THROTTLED not in _login(Client(REMOTE_ADDR="10.0.0.1"), "g9@x.example", "wrong",
                                   HTTP_X_FORWARDED_FOR="203.0.113.6").content.decode()


def test_parallel_guesses_from_one_address_cannot_exceed_the_limit(ddb):
    tenant, user = make_tenant()
    results, start = [], threading.Barrier(12)

    def guess(n):
        start.wait()
        try:
            auth.portal_authenticate(email=user.email if n % 2 else f"other{n}@x.example", password="wrong", ip="192.0.2.7")
        except LoginRefused as refused:
            results.append(str(refused))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(BAD_CREDENTIALS) == 5 and results.count(THROTTLED) == 7


def test_strangers_guessing_an_email_slow_its_owner_down_but_do_not_lock_them_out(ddb, monkeypatch):
    tenant, user = make_tenant()
    clock = [1_000_000_020.0]
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    for n in range(6):  # six strangers, one guess each: the sixth takes this minute's slot
        _login(Client(REMOTE_ADDR=f"203.0.113.{n}"), user.email, "wrong")
    assert THROTTLED in _login(Client(REMOTE_ADDR="198.51.100.9"), user.email, PASSWORD).content.decode()
    clock[0] += 61  # one attempt per LOGIN_SLOWDOWN_SECONDS, well inside the 15-minute window
    assert _login(Client(REMOTE_ADDR="198.51.100.9"), user.email, PASSWORD).status_code == 302


@override_settings(SIGNUP_MAX_PER_ADDRESS=2)
def test_checkout_is_limited_per_address(ddb):
    product = make_product()
    for n in range(2):
        assert Client(REMOTE_ADDR="192.0.2.1").post("/checkout/", _checkout_data(product, email=f"b{n}@shop.example")).status_code == 302
    refused = Client(REMOTE_ADDR="192.0.2.1").post("/checkout/", _checkout_data(product, email="b3@shop.example"))
    assert refused.status_code == 200 and SIGNUP_THROTTLED in refused.content.decode()
    assert Client(REMOTE_ADDR="192.0.2.2").post("/checkout/", _checkout_data(product, email="b4@shop.example")).status_code == 302


@override_settings(PASSWORD_RESET_MAX_PER_ADDRESS=2)
def test_password_reset_is_limited_per_address(ddb):
    users = [make_tenant()[1] for _ in range(3)]
    for user in users:
        Client(REMOTE_ADDR="192.0.2.1").post("/password-reset/", {"email": user.email})
    assert [m.to for m in mail.outbox] == [[users[0].email], [users[1].email]]
    Client(REMOTE_ADDR="192.0.2.2").post("/password-reset/", {"email": users[2].email})
    assert mail.outbox[-1].to == [users[2].email]


def test_verification_email_does_not_echo_the_organization_name(ddb):
    bait = "Prize! Claim at https://evil.example"
    Client().post("/checkout/", _checkout_data(make_product(), organization=bait))
    [message] = mail.outbox
    assert "evil.example" not in message.body and "evil.example" not in message.subject


@pytest.mark.parametrize("name", ["Acme\nBcc: victim@x.example", "Acme\rX", "Tab\there", "Line\u2028break", "Nul\x00"])
def test_control_characters_in_an_organization_name_are_refused_before_anything_is_written(ddb, name):
    product = make_product()
    before = stored_items()
    response = Client().post("/checkout/", _checkout_data(product, organization=name))
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert stored_items() == before and mail.outbox == []


@given(name=st.text(min_size=1, max_size=30))
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_stored_organization_name_fits_an_email_subject(ddb, name):
    try:
        tenant = tenant_create(email=f"{uuid.uuid4().hex}@prop.example", organization=name, actor="test")
    except TenantInvalid:
        return
    forbid_multi_line_headers("Subject", f"You are invited to Form-Bridge ({tenant.organization})", "utf-8")


def test_a_removed_member_can_be_invited_again(ddb):
    tenant, owner = make_tenant()
    member = team_invite(tenant=tenant, actor=owner, email="back@acme.example")
    team_remove(tenant=tenant, actor=owner, user_id=member.id)
    again = team_invite(tenant=tenant, actor=owner, email="back@acme.example")
    stored = PortalUser.lookup_for_login("back@acme.example")
    assert stored.active and stored.passwordHash == "!" and stored.id == again.id != member.id
    assert len(mail.outbox) == 2


def test_the_profile_page_refuses_control_characters_too(ddb):
    from portal.services.accounts.profile import account_profile_update

    tenant, owner = make_tenant(organization="Acme")
    with pytest.raises(TenantInvalid):
        account_profile_update(tenant=tenant, actor=owner.email, version=tenant.version,
                               organization="Acme\nBcc: x@evil.example", destination_email=None)
    client = Client()
    client.post("/login/", {"email": owner.email, "password": PASSWORD})
    response = client.post("/account/profile/", {"version": tenant.version, "organization": "A\nB"})
    assert response.status_code == 200 and "control characters" in response.content.decode()
