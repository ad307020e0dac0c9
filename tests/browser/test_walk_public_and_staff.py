"""Two walks outside the tenant portal: an anonymous visitor (pricing, sign-in, checkout,
password reset, the API reference) sees no tenant's data and nothing that fails; Form-Bridge
staff walk the whole console (products, campaigns, tenants, costs, audit) and find names, not
ids or Python dicts. Screenshots: var/walks/anonymous/ and var/walks/staff/."""
from tests.browser.walk import Walk, signed_in_session
from tests.browser.walk_world import OUTSIDER_NAMES, build_world
from tests.factories.accounts import make_campaign
from tests.live_server import STAFF_PASSWORD, STAFF_USERNAME

import requests


def test_an_anonymous_visitor_walks_the_public_pages(ddb, live_url, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world(live_url)
    walk = Walk(base_url=live_url, role="anonymous", session=requests.Session(),
                forbidden=OUTSIDER_NAMES + ("Walk Agency", "bakery.walk.example", "Bread Lover"),
                skip=("/staff/",)).run("/", "/pricing/", "/docs/api/", browser=browser)
    print(walk.summary(), f"screenshots: {walk.folder}", sep="\n")
    assert walk.problems == [], "\n".join(walk.problems)
    assert {f"{live_url}/pricing/", f"{live_url}/login/", f"{live_url}/docs/api/"} <= set(walk.visited)
    assert any("/checkout/" in url for url in walk.visited) and any("/password-reset/" in url for url in walk.visited)
    assert world.tenant.id not in "".join(walk.visited)


def test_staff_walk_the_whole_console(ddb, live_url, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    build_world(live_url)
    make_campaign(code="WALK20")
    session = signed_in_session(live_url, email=STAFF_USERNAME, password=STAFF_PASSWORD, login_path="/staff/login/",
                                email_field="username")
    walk = Walk(base_url=live_url, role="staff", session=session, max_pages=120).run("/staff/", browser=browser)
    print(walk.summary(), f"screenshots: {walk.folder}", sep="\n")
    assert walk.problems == [], "\n".join(walk.problems)
    kinds = set(walk.shapes)
    assert {"/staff/", "/staff/products/", "/staff/campaigns/", "/staff/tenants/", "/staff/audit/"} <= kinds
    assert "/staff/tenants/{id}/" in kinds and "/staff/products/{id}/" in kinds
