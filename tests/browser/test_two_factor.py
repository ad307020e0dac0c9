"""Two-factor sign-in in headless Chromium against gunicorn: enrol from the account page
(reading the key shown as text), sign out, sign in with the password and then a code
computed from that key."""
import time
from urllib.parse import urlparse

import pyotp

from tests.factories.accounts import PASSWORD, make_tenant


def test_enrol_sign_out_and_sign_in_with_a_code(page):
    tenant, user = make_tenant(organization="Two Factor Agency")
    page.goto("/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.click("text=Account")
    page.click("text=Two-factor sign-in")
    page.wait_for_url("**/account/two-factor/")
    assert page.locator(".qr svg").count() == 1
    secret = page.get_by_test_id("two-factor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_test_id("two-factor-code").fill(totp.now())
    page.get_by_test_id("two-factor-confirm").click()
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    page.click("text=Sign out")
    page.wait_for_url("**/login/")

    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/code/**")
    # The next step's code: the one used to confirm cannot be used again.
    page.get_by_test_id("two-factor-code").fill(totp.at(time.time() + 30))
    page.get_by_test_id("two-factor-submit").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    assert page.locator("h1").inner_text() == "Two Factor Agency"
