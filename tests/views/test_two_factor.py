"""Two-factor sign-in for tenant users: enrol on the account page, the code step after the
password (a marker, not a login), codes and recovery codes that work once, throttling, the
team requirement, regenerate and turn off. Times are pinned so codes are deterministic."""
import re

import pyotp
import pytest
from django.test import Client

from portal.crypto import field_decrypt
from portal.dynamo.users import PortalUser
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.services.accounts import throttle, two_factor
from portal.services.accounts.password_reset import password_reset_confirm, password_reset_token
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.accounts import PASSWORD, make_tenant

T0 = 1_800_000_000.0  # a fixed moment; steps are 30 s


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T0}
    monkeypatch.setattr(two_factor, "_now", lambda: now["t"])
    return now


def _signed_in(email, password=PASSWORD):
    client = Client()
    assert client.post("/login/", {"email": email, "password": password})["Location"] == "/"
    return client


def _secret_on_page(body: str) -> str:
    return re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")


def _code(secret, at):
    return pyotp.TOTP(secret).at(at)


def _enrol(client, clock):
    body = client.get("/account/two-factor/").content.decode()
    secret = _secret_on_page(body)
    response = client.post("/account/two-factor/", {"code": _code(secret, clock["t"])})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    return secret, codes


def test_enrol_shows_the_secret_as_text_and_qr_and_confirms_with_a_code(ddb, clock):
    tenant, owner = make_tenant()
    client = _signed_in(owner.email)
    body = client.get("/account/two-factor/").content.decode()
    secret = _secret_on_page(body)
    assert "<svg" in body and f"otpauth://totp/Form-Bridge:{owner.email.replace('@', '%40')}?secret={secret}" in body
    refused = client.post("/account/two-factor/", {"code": "000000"}).content.decode()
    assert "does not match" in refused and not two_factor.user_two_factor_enabled(PortalUser.lookup_for_login(owner.email))
    response = client.post("/account/two-factor/", {"code": _code(secret, clock["t"])})
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = PortalUser.lookup_for_login(owner.email)
    # Encrypted at rest like signing secrets; recovery codes kept only as hashes.
    assert secret not in stored.totpSecretEncrypted and field_decrypt(stored.totpSecretEncrypted) == secret
    assert stored.totpPendingEncrypted is None and len(stored.totpRecoveryHashes) == 10
    assert not any(code in "".join(stored.totpRecoveryHashes) for code in codes)
    assert "<strong>On.</strong>" in client.get("/account/two-factor/").content.decode()


def test_sign_in_asks_for_the_code_after_the_password_and_a_code_works_once(ddb, clock):
    tenant, owner = make_tenant()
    secret, _codes = _enrol(_signed_in(owner.email), clock)
    client = Client()
    response = client.post("/login/", {"email": owner.email, "password": PASSWORD, "next": "/sites/"})
    assert response["Location"] == "/login/code/?next=%2Fsites%2F"
    assert client.get("/")["Location"].startswith("/login/")  # the marker is not a login
    assert "Enter your code" in client.get(response["Location"]).content.decode()
    clock["t"] += 30
    code = _code(secret, clock["t"])
    wrong = client.post("/login/code/?next=/sites/", {"code": "123456", "next": "/sites/"})
    assert "not valid" in wrong.content.decode()
    signed_in = client.post("/login/code/?next=/sites/", {"code": code, "next": "/sites/"})
    assert signed_in["Location"] == "/sites/" and client.get("/").status_code == 200
    # The same code cannot be replayed, even within its 30 seconds.
    again = Client()
    again.post("/login/", {"email": owner.email, "password": PASSWORD})
    assert "not valid" in again.post("/login/code/", {"code": code}).content.decode()
    assert again.get("/").status_code == 302


def test_recovery_codes_work_once_each(ddb, clock):
    tenant, owner = make_tenant()
    _secret, codes = _enrol(_signed_in(owner.email), clock)
    first = Client()
    first.post("/login/", {"email": owner.email, "password": PASSWORD})
    assert first.post("/login/code/", {"code": codes[0].upper()})["Location"] == "/"
    second = Client()
    second.post("/login/", {"email": owner.email, "password": PASSWORD})
    assert "not valid" in second.post("/login/code/", {"code": codes[0]}).content.decode()
    assert len(PortalUser.lookup_for_login(owner.email).totpRecoveryHashes) == 9


def test_the_code_step_is_throttled_like_the_password(ddb, clock):
    tenant, owner = make_tenant()
    secret, _ = _enrol(_signed_in(owner.email), clock)
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post("/login/", {"email": owner.email, "password": PASSWORD})
    for _ in range(5):
        assert "not valid" in client.post("/login/code/", {"code": "000000"}).content.decode()
    clock["t"] += 30
    refused = client.post("/login/code/", {"code": _code(secret, clock["t"])}).content.decode()
    assert "Too many failed sign-in attempts" in refused and client.get("/").status_code == 302


def test_the_password_ok_marker_expires(ddb, clock, settings):
    tenant, owner = make_tenant()
    secret, _ = _enrol(_signed_in(owner.email), clock)
    client = Client()
    client.post("/login/", {"email": owner.email, "password": PASSWORD})
    clock["t"] += settings.TWO_FACTOR_STEP_SECONDS + 1
    response = client.post("/login/code/", {"code": _code(secret, clock["t"])})
    assert response["Location"] == "/login/" and client.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_and_turning_off_needs_a_code(ddb, clock):
    tenant, owner = make_tenant()
    client = _signed_in(owner.email)
    secret, old_codes = _enrol(client, clock)
    assert "Enter a code" in client.post("/account/two-factor/recovery-codes/", follow=True).content.decode()
    clock["t"] += 30
    response = client.post("/account/two-factor/recovery-codes/", {"code": _code(secret, clock["t"])})
    new_codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    refused = client.post("/account/two-factor/disable/", {"code": old_codes[1]}, follow=True).content.decode()
    assert "not valid" in refused and two_factor.user_two_factor_enabled(PortalUser.lookup_for_login(owner.email))
    done = client.post("/account/two-factor/disable/", {"code": new_codes[0]}, follow=True).content.decode()
    assert "Two-factor sign-in is off." in done
    assert Client().post("/login/", {"email": owner.email, "password": PASSWORD})["Location"] == "/"


def test_the_owner_requires_two_factor_for_the_team_and_members_are_sent_to_enrol(ddb, clock):
    tenant, owner = make_tenant()
    member = team_invite(tenant=tenant, actor=owner, email="member@team2fa.example")
    invitation_accept(token=invitation_token(user=member), password=PASSWORD)
    owner_client = _signed_in(owner.email)
    refused = owner_client.post("/account/team/two-factor/", {"required": "on"}, follow=True).content.decode()
    assert "for yourself first" in refused and not tenant_get_or_none(tenant_id=tenant.id).twoFactorRequired
    _enrol(owner_client, clock)
    owner_client.post("/account/team/two-factor/", {"required": "on"})
    assert tenant_get_or_none(tenant_id=tenant.id).twoFactorRequired
    member_client = _signed_in(member.email)
    # A member without 2FA reaches nothing but the set-up page.
    for path in ("/", "/submissions/", "/account/"):
        assert member_client.get(path)["Location"] == "/account/two-factor/", path
    body = member_client.get("/account/two-factor/").content.decode()
    assert "required here: set it up to continue" in body
    clock["t"] += 60
    member_client.post("/account/two-factor/", {"code": _code(_secret_on_page(body), clock["t"])})
    assert member_client.get("/").status_code == 200
    assert member_client.post("/account/team/two-factor/", {"required": "off"}).status_code == 403  # owner/admins only
    disable = member_client.post("/account/two-factor/disable/", {"code": "000000"}, follow=True).content.decode()
    assert "cannot be turned off" in disable


def test_two_factor_pages_act_on_the_signed_in_user_only(ddb, clock):
    tenant_a, owner_a = make_tenant()
    tenant_b, owner_b = make_tenant()
    secret, codes = _enrol(_signed_in(owner_a.email), clock)
    b_client = _signed_in(owner_b.email)
    b_client.post("/account/two-factor/disable/", {"code": codes[0]})
    b_client.post("/account/two-factor/recovery-codes/", {"code": codes[1]})
    b_client.post("/account/two-factor/restart/")
    stored_a = PortalUser.lookup_for_login(owner_a.email)
    assert field_decrypt(stored_a.totpSecretEncrypted) == secret and len(stored_a.totpRecoveryHashes) == 10
    assert not two_factor.user_two_factor_enabled(PortalUser.lookup_for_login(owner_b.email))
    assert Client().get("/account/two-factor/")["Location"].startswith("/login/")


@pytest.fixture
def throttle_clock(monkeypatch):
    """The throttles' clock, pinned to the middle of a UTC day (T0 is 08:00 UTC)."""
    now = {"t": T0}
    monkeypatch.setattr(throttle, "_now", lambda: now["t"])
    return now


def _wrong_codes_from_many_addresses(email, count, throttle_clock):
    """What someone with the password can do: a fresh address each time (so the per-address
    limit never blocks), a minute apart (so the per-account slowdown lets each through)."""
    bodies = []
    for n in range(count):
        throttle_clock["t"] += 61
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert client.post("/login/", {"email": email, "password": PASSWORD})["Location"].startswith("/login/code/")
        bodies.append(client.post("/login/code/", {"code": f"{n:06d}"}).content.decode())
    return bodies


def _code_step(email, code, *, address="198.51.100.200", password=PASSWORD):
    client = Client(REMOTE_ADDR=address)
    client.post("/login/", {"email": email, "password": password})
    return client, client.post("/login/code/", {"code": code})


def test_wrong_codes_are_bounded_per_account_and_day_and_the_owner_is_told_once(ddb, clock, throttle_clock,
                                                                               settings, mailoutbox):
    settings.TWO_FACTOR_MAX_FAILURES_PER_DAY = 8
    tenant, owner = make_tenant()
    secret, codes = _enrol(_signed_in(owner.email), clock)
    mailoutbox.clear()
    bodies = _wrong_codes_from_many_addresses(owner.email, 8, throttle_clock)
    assert all("not valid" in body for body in bodies[:7]) and "Too many wrong codes" in bodies[7]
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "8 wrong" in mailoutbox[0].body and "recovery codes still work" in mailoutbox[0].body
    assert "/password-reset/" in mailoutbox[0].body

    # The bound holds for the rest of the day: even the right code from the app is refused,
    # further guesses are not even checked, and the owner is not e-mailed again.
    clock["t"] += 30
    throttle_clock["t"] += 61
    client, refused = _code_step(owner.email, _code(secret, clock["t"]))
    assert "Too many wrong codes" in refused.content.decode() and client.get("/").status_code == 302
    _wrong_codes_from_many_addresses(owner.email, 3, throttle_clock)
    assert len(mailoutbox) == 1

    # A recovery code signs the owner in and ends it; app codes work again.
    throttle_clock["t"] += 61
    client, answer = _code_step(owner.email, codes[0], address="198.51.100.201")
    assert answer["Location"] == "/" and client.get("/").status_code == 200
    clock["t"] += 30
    throttle_clock["t"] += 61
    client, answer = _code_step(owner.email, _code(secret, clock["t"]), address="198.51.100.202")
    assert answer["Location"] == "/"

    # The next day starts a fresh count.
    throttle_clock["t"] += 24 * 60 * 60
    assert "not valid" in _wrong_codes_from_many_addresses(owner.email, 1, throttle_clock)[0]


def test_a_new_password_from_the_owners_reset_ends_the_bound(ddb, clock, throttle_clock, settings, mailoutbox):
    settings.TWO_FACTOR_MAX_FAILURES_PER_DAY = 6
    tenant, owner = make_tenant()
    secret, _codes = _enrol(_signed_in(owner.email), clock)
    assert "Too many wrong codes" in _wrong_codes_from_many_addresses(owner.email, 6, throttle_clock)[-1]
    password_reset_confirm(token=password_reset_token(user=PortalUser.lookup_for_login(owner.email)),
                           password="a-brand-new-password-9")
    clock["t"] += 30
    throttle_clock["t"] += 61
    client, answer = _code_step(owner.email, _code(secret, clock["t"]), password="a-brand-new-password-9")
    assert answer["Location"] == "/" and client.get("/").status_code == 200
