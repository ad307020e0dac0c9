"""Tenant sign-in: credentials, throttling, suspended/deleted tenants, session rotation,
password change ending other sessions, and separation from staff pages."""
import pytest
from django.test import Client

from portal.dynamo.expiring import EphemeralCounter
from portal.dynamo.tenants import SUSPENDED, Tenant
from portal.dynamo.users import PortalUser
from portal.selectors.access import access_tenant
from portal.services.accounts.auth import BAD_CREDENTIALS, THROTTLED
from portal.services.billing.tenants import tenant_status_change
from tests.factories.accounts import PASSWORD, make_tenant


def _login(client, email, password):
    return client.post("/login/", {"email": email, "password": password})


def test_valid_login_reaches_the_portal_with_a_new_session_key(ddb):
    tenant, user = make_tenant(organization="Northwind")
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != before
    assert "Northwind" in client.get("/").content.decode()


def test_unknown_email_and_wrong_password_get_the_same_error_and_write_only_the_counter(ddb):
    tenant, user = make_tenant()
    users_before = [u.serialize() for u in PortalUser._unscoped_scan()]
    tenants_before = [t.serialize() for t in Tenant.scan(Tenant.sk == "METADATA")]
    wrong = _login(Client(), user.email, "not-the-password")
    unknown = _login(Client(), "nobody@nowhere.example", "whatever-123")
    assert BAD_CREDENTIALS in wrong.content.decode()
    assert BAD_CREDENTIALS in unknown.content.decode()
    assert wrong.status_code == unknown.status_code == 200
    assert [u.serialize() for u in PortalUser._unscoped_scan()] == users_before
    assert [t.serialize() for t in Tenant.scan(Tenant.sk == "METADATA")] == tenants_before
    counters = {c.pk for c in EphemeralCounter.scan(EphemeralCounter.pk.startswith("THROTTLE#"))}
    assert f"THROTTLE#login-email#{user.email}" in counters


def test_empty_fields_are_form_errors(ddb):
    response = _login(Client(), "", "")
    body = response.content.decode()
    assert body.count("This field is required.") == 2
    assert list(EphemeralCounter.scan()) == []


def test_five_failures_lock_the_email_even_for_the_right_password(ddb):
    tenant, user = make_tenant()
    for _ in range(5):
        _login(Client(), user.email, "wrong-password")
    response = _login(Client(), user.email, PASSWORD)
    assert THROTTLED in response.content.decode()
    assert "_portal_user" not in Client().session


def test_five_failures_from_one_ip_lock_that_ip_for_other_emails(ddb):
    tenant, user = make_tenant()
    for n in range(5):
        _login(Client(REMOTE_ADDR="10.9.9.9"), f"nobody{n}@x.example", "wrong-password")
    assert THROTTLED in _login(Client(REMOTE_ADDR="10.9.9.9"), user.email, PASSWORD).content.decode()
    assert _login(Client(REMOTE_ADDR="10.9.9.10"), user.email, PASSWORD).status_code == 302


def test_user_of_a_suspended_tenant_signs_in_to_a_read_only_portal_that_says_why(ddb):
    tenant, user = make_tenant()
    tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="staff", version=None, to_status=SUSPENDED,
                         reason="Unpaid invoice")
    client = Client()
    assert _login(client, user.email, PASSWORD).status_code == 302
    body = client.get("/").content.decode()
    assert "suspended" in body and "read-only" in body and "Unpaid invoice" in body


def test_user_of_a_deleted_tenant_cannot_log_in(ddb):
    tenant, user = make_tenant()
    tenant.active = False
    tenant.save()
    response = _login(Client(), user.email, PASSWORD)
    assert response.status_code == 200 and "closed" in response.content.decode()


def test_logout_ends_the_session(ddb):
    tenant, user = make_tenant()
    client = Client()
    _login(client, user.email, PASSWORD)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_ends_the_users_other_sessions_but_keeps_this_one(ddb):
    tenant, user = make_tenant()
    laptop, phone = Client(), Client()
    _login(laptop, user.email, PASSWORD)
    _login(phone, user.email, PASSWORD)
    response = laptop.post("/account/password/", {
        "old_password": PASSWORD, "new_password": "a-brand-new-secret-42", "new_password_again": "a-brand-new-secret-42",
    })
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/")["Location"].startswith("/login/")
    assert _login(Client(), user.email, "a-brand-new-secret-42").status_code == 302


def test_tenant_session_does_not_grant_staff_pages(ddb):
    tenant, user = make_tenant()
    client = Client()
    _login(client, user.email, PASSWORD)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


@pytest.mark.django_db
def test_staff_session_does_not_grant_tenant_pages(ddb, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    assert client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"}).status_code == 302
    assert client.get("/staff/").status_code == 200
    assert client.get("/")["Location"].startswith("/login/")
