"""An agency's client in Chromium: the owner invites a client limited to one site on the
team page, the client sets a password from the invitation link, signs in and sees only that
site's submissions (and none of the tenant's settings)."""
from urllib.parse import urlparse

from portal.dynamo.users import PortalUser
from portal.services.billing.tenants import invitation_token
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission


def _sign_in(page, email):
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def test_owner_creates_a_client_for_one_site_who_then_sees_only_that_site(page):
    tenant, owner = make_tenant(organization="Browser Agency")
    mine, theirs = make_site(tenant, domain="bakery.example"), make_site(tenant, domain="garage.example")
    visible = make_submission(tenant, site_id=mine.id, fields={"name": "Bread lover", "email": "b@bakery.example"})
    hidden = make_submission(tenant, site_id=theirs.id, fields={"name": "Car owner", "email": "c@garage.example"})

    _sign_in(page, owner.email)
    page.goto("/account/team/")
    page.fill("input[name=email]", "owner@bakery.example")
    page.select_option("select[name=role]", "CLIENT")
    page.check(f"input[name=site_ids][value='{mine.id}']")
    page.click("text=Send invitation")
    page.wait_for_url("**/account/team/")
    assert "Invitation sent to owner@bakery.example." in page.content()
    page.click("text=Sign out")
    page.wait_for_url("**/login/")

    invited = PortalUser.lookup_for_login("owner@bakery.example")
    page.goto(f"/invite/{invitation_token(user=invited)}/")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/")

    page.context.clear_cookies()
    _sign_in(page, "owner@bakery.example")
    nav = page.locator("nav").inner_text()
    assert "Submissions" in nav and "Sites" not in nav and "Destinations" not in nav and "Team" not in nav
    page.click("nav >> text=Submissions")
    page.wait_for_url("**/submissions/")
    listing = page.content()
    assert visible in listing and "Bread lover" in listing
    assert hidden not in listing and "Car owner" not in listing
    site_options = page.locator("select[name=site] option").all_inner_texts()
    assert "bakery.example" in site_options and "garage.example" not in site_options
    response = page.goto(f"/submissions/{hidden}/")
    assert response.status == 404
    assert page.goto("/sites/").status == 403
