"""The staff console end to end in headless Chromium against gunicorn."""
from datetime import timedelta

from portal.dynamo.base import utcnow
from portal.dynamo.tenants import REGISTERED
from tests.factories.accounts import make_tenant


def test_staff_sells_a_plan_with_a_campaign_and_suspends_and_reactivates_a_tenant(page, staff_credentials):
    make_tenant(email="browser-owner@agency.example", organization="Browser Agency", status=REGISTERED)
    username, password = staff_credentials
    page.goto("/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")

    page.click("nav >> text=Products")
    page.click("text=New product")
    page.fill("input[name=name]", "Browser Plan")
    page.fill("input[name=price]", "80.00")
    page.fill("textarea[name=features]", "Webhooks\nE-mail")
    page.click("button:has-text('Create product')")
    assert page.locator(".product-price").inner_text() == "80.00 EUR"

    page.click("text=New campaign")
    today = utcnow().date()
    page.fill("input[name=code]", "browser-25")
    page.fill("input[name=discount_percent]", "25")
    page.fill("input[name=from_date]", (today - timedelta(days=1)).isoformat())
    page.fill("input[name=to_date]", (today + timedelta(days=10)).isoformat())
    page.click("button:has-text('Create campaign')")
    page.wait_for_url("**/staff/campaigns/BROWSER-25/")
    assert page.locator(".discounted-price").inner_text() == "60.00 EUR"
    assert page.locator("h1 .badge").inner_text() == "live"

    page.click("nav >> text=Tenants")
    page.fill("input[name=email]", "browser-owner@agency.example")
    page.click("button:has-text('Find')")
    assert "Browser Agency" in page.locator("h1").inner_text()
    assert page.locator(".tenant-status").inner_text() == "REGISTERED"

    page.click("text=Suspend…")
    page.fill("textarea[name=reason]", "Unpaid invoice 42")
    page.click("button:has-text('Suspend')")
    assert page.locator(".tenant-status").inner_text() == "SUSPENDED"
    assert page.locator(".suspension-reason").inner_text() == "Unpaid invoice 42"
    entry = page.locator("tr.audit-entry", has_text="tenant.suspend")
    assert "Reason: Unpaid invoice 42" in entry.inner_text() and username in entry.inner_text()

    page.click("button:has-text('Reactivate')")
    assert page.locator(".tenant-status").inner_text() == "REGISTERED"
    assert page.locator("tr.audit-entry", has_text="tenant.reactivate").count() == 1
