"""Sign-in flows in headless Chromium against gunicorn."""
from urllib.parse import urlparse

from tests.factories.accounts import PASSWORD, make_tenant


def test_staff_signs_in_and_out(page, staff_credentials):
    username, password = staff_credentials
    page.goto("/staff/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")
    assert page.locator("h1").inner_text() == "Staff console"
    page.click("text=Sign out")
    page.wait_for_url("**/staff/login/")
    assert "signed out" in page.content()


def test_tenant_user_signs_in_and_out(page):
    tenant, user = make_tenant(organization="Browser Agency")
    page.goto("/")
    page.wait_for_url("**/login/?next=/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    assert page.locator("h1").inner_text() == "Browser Agency"
    page.click("text=Sign out")
    page.wait_for_url("**/login/")
    page.goto("/")
    assert "/login/" in page.url


def test_wrong_password_shows_an_error(page):
    tenant, user = make_tenant()
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "definitely-wrong")
    page.click("button[type=submit]")
    assert page.locator(".alert-error").inner_text().strip() == "That e-mail and password do not match an account."
