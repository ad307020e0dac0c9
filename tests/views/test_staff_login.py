import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_staff_account_signs_in_to_the_console(ddb, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    response = client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert "Staff console" in client.get("/staff/").content.decode()


def test_non_staff_django_account_is_refused(ddb, django_user_model):
    django_user_model.objects.create_user("plain", password="plain-password-123", is_staff=False)
    response = Client().post("/staff/login/", {"username": "plain", "password": "plain-password-123"})
    assert response.status_code == 200
    assert "do not match a staff account" in response.content.decode()


def test_staff_login_is_throttled_after_five_failures(ddb, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    for _ in range(5):
        Client().post("/staff/login/", {"username": "ops", "password": "wrong"})
    response = Client().post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_staff_pages_send_anonymous_visitors_to_the_staff_login(ddb):
    response = Client().get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/staff/login/?next=/staff/"


def test_staff_logout(ddb, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.post("/staff/login/", {"username": "ops", "password": "ops-password-123"})
    client.post("/staff/logout/")
    assert client.get("/staff/").status_code == 302
