"""Two-factor sign-in for staff (Django accounts; the state lives beside them in SQL):
enrol in the console, the code step after the password, and STAFF_REQUIRE_2FA."""
import re

import pyotp
import pytest
from django.test import Client

from portal.crypto import field_decrypt
from portal.models import StaffTwoFactor
from portal.services.accounts import throttle, two_factor

pytestmark = pytest.mark.django_db
T0 = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T0}
    monkeypatch.setattr(two_factor, "_now", lambda: now["t"])
    return now


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)


def _signed_in():
    client = Client()
    assert client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})["Location"] == "/staff/"
    return client


def _enrol(client, clock):
    body = client.get("/staff/two-factor/").content.decode()
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    response = client.post("/staff/two-factor/", {"code": pyotp.TOTP(secret).at(clock["t"])})
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    assert len(codes) == 10
    return secret, codes


def test_staff_enrol_then_sign_in_with_password_and_code(ddb, clock, staff):
    secret, codes = _enrol(_signed_in(), clock)
    row = StaffTwoFactor.objects.get(user=staff)
    assert secret not in row.secret_encrypted and field_decrypt(row.secret_encrypted) == secret
    client = Client()
    response = client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    assert response["Location"] == "/staff/login/code/?next=%2Fstaff%2F"
    assert client.get("/staff/")["Location"].startswith("/staff/login/")  # not signed in yet
    assert "not valid" in client.post("/staff/login/code/", {"code": "000000"}).content.decode()
    clock["t"] += 30
    done = client.post("/staff/login/code/", {"code": pyotp.TOTP(secret).at(clock["t"]), "next": "/staff/"})
    assert done["Location"] == "/staff/" and client.get("/staff/").status_code == 200
    other = Client()
    other.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    assert other.post("/staff/login/code/", {"code": codes[3]})["Location"] == "/staff/"
    assert len(StaffTwoFactor.objects.get(user=staff).recovery_hashes) == 9


def test_staff_required_to_use_two_factor_reach_only_the_set_up_page(ddb, clock, staff, settings):
    settings.STAFF_REQUIRE_2FA = True
    client = _signed_in()
    assert client.get("/staff/tenants/")["Location"] == "/staff/two-factor/"
    assert "required here: set it up to continue" in client.get("/staff/two-factor/").content.decode()
    secret, _ = _enrol(client, clock)
    assert client.get("/staff/tenants/").status_code == 200
    clock["t"] += 30
    refused = client.post("/staff/two-factor/disable/", {"code": pyotp.TOTP(secret).at(clock["t"])}, follow=True)
    assert "must use two-factor" in refused.content.decode()
    assert StaffTwoFactor.objects.get(user=staff).secret_encrypted


def test_the_staff_code_step_is_throttled(ddb, clock, staff):
    secret, _ = _enrol(_signed_in(), clock)
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    for _ in range(5):
        client.post("/staff/login/code/", {"code": "000000"})
    clock["t"] += 30
    body = client.post("/staff/login/code/", {"code": pyotp.TOTP(secret).at(clock["t"])}).content.decode()
    assert "Too many failed sign-in attempts" in body


def test_staff_wrong_codes_are_bounded_per_day_and_a_recovery_code_ends_it(ddb, clock, staff, settings,
                                                                            monkeypatch, mailoutbox):
    settings.TWO_FACTOR_MAX_FAILURES_PER_DAY = 6
    staff.email = "ops@formbridge.example"
    staff.save()
    secret, codes = _enrol(_signed_in(), clock)
    throttle_now = {"t": T0}
    monkeypatch.setattr(throttle, "_now", lambda: throttle_now["t"])
    mailoutbox.clear()

    def code_step(code, n):
        throttle_now["t"] += 61
        client = Client(REMOTE_ADDR=f"203.0.113.{n}")
        client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
        return client, client.post("/staff/login/code/", {"code": code})

    bodies = [code_step(f"{n:06d}", n)[1].content.decode() for n in range(1, 7)]
    assert "not valid" in bodies[0] and "Too many wrong codes" in bodies[-1]
    assert [m.to for m in mailoutbox] == [["ops@formbridge.example"]] and "changepassword" in mailoutbox[0].body
    clock["t"] += 30
    client, refused = code_step(pyotp.TOTP(secret).at(clock["t"]), 50)
    assert "Too many wrong codes" in refused.content.decode() and client.get("/staff/").status_code == 302
    client, answer = code_step(codes[0], 51)
    assert answer["Location"] == "/staff/" and client.get("/staff/").status_code == 200
    clock["t"] += 30
    assert code_step(pyotp.TOTP(secret).at(clock["t"]), 52)[1]["Location"] == "/staff/"
