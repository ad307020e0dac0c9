"""Done means for issue 6: the whole self-service journey in a real browser against gunicorn."""
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from portal.dynamo.base import utcnow
from portal.services.billing.campaigns import campaign_create
from portal.services.billing.products import product_create

EMAIL, PASSWORD = "journey@newagency.example", "journey-password-73"


def _newest_mail(server_env) -> str:
    outbox = Path(server_env["EMAIL_FILE_PATH"])
    newest = max(outbox.iterdir(), key=lambda f: f.stat().st_mtime)
    return newest.read_text()


def _add_first_site(page) -> None:
    page.goto("/sites/")
    page.fill("input[name=domain]", "https://www.NewAgency.example/contact")
    page.click("button:has-text('Add site')")
    assert page.locator("h1").inner_text() == "www.newagency.example"


def test_pricing_code_checkout_verification_site_and_registered_in_the_console(page, server_env, staff_credentials):
    product = product_create(actor="tests", name="Journey Plan", price=Decimal("40.00"), features=["Webhooks"])
    today = utcnow().date()
    campaign_create(actor="tests", code="JOURNEY10", product_id=product.id, discount_percent=10,
                    from_date=today - timedelta(days=1), to_date=today + timedelta(days=5))

    page.goto("/pricing/")
    card = page.locator(f"#product-{product.id}")
    assert card.locator(".product-price").inner_text() == "40.00 EUR"
    page.fill("input[name=code]", "journey10")
    page.click("button:has-text('Apply code')")
    assert "JOURNEY10" in page.locator(".campaign-applied").inner_text()
    assert card.locator(".product-price").inner_text() == "36.00 EUR"

    card.locator("a.choose").click()
    assert page.locator(".order-price").inner_text() == "36.00 EUR"
    page.fill("input[name=organization]", "Journey Agency")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.click("button:has-text('Place order')")
    page.wait_for_url("**/")
    assert "Confirm your e-mail address" in page.locator(".unvalidated-banner").inner_text()
    page.click("nav >> text=Sign out")

    link = re.search(r"https?://[^/\s]+(/verify/\S+/)", _newest_mail(server_env)).group(1)
    page.goto(link)
    assert "E-mail confirmed" in page.locator("h1").inner_text()

    page.goto("/login/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/account/")
    assert page.locator(".tenant-status").inner_text() == "VALIDATED"
    assert page.locator(".unvalidated-banner").count() == 0

    _add_first_site(page)

    page.goto("/account/plan/")
    assert page.locator(".order-row .order-price").inner_text() == "36.00 EUR"
    page.click("nav >> text=Sign out")

    username, password = staff_credentials
    page.goto("/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")
    page.click("nav >> text=Tenants")
    page.fill("input[name=email]", EMAIL)
    page.click("button:has-text('Find')")
    assert "Journey Agency" in page.locator("h1").inner_text()
    assert page.locator(".tenant-status").inner_text() == "REGISTERED"
