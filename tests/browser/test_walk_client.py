"""An agency's CLIENT, limited to one of the agency's two sites, walks its whole day: every
link and form it is shown works for it (its own files download), nothing of the other site or
another tenant shows, and nothing it may not use is shown. When the owner requires two-factor
sign-in of the whole team, the client can set it up itself and then walks the same pages."""
import pyotp

from portal.dynamo.users import PortalUser
from portal.services.accounts.two_factor import tenant_two_factor_require, user_enrol_confirm, user_enrol_secret
from tests.browser.walk import Walk, signed_in_session
from tests.browser.walk_world import OTHER_SITE_NAMES, OUTSIDER_NAMES, build_world
from tests.factories.accounts import PASSWORD

# Pages of the tenant's settings a client is never shown (each answers it 403).
NOT_FOR_CLIENTS = ("/sites/", "/destinations/", "/account/team/", "/account/api-tokens/", "/dev/inspector/",
                   "/privacy/", "/account/plan/")


def _walk_as_client(live_url, session, folder, browser=None):
    walk = Walk(base_url=live_url, role="client", session=session, forbidden=OUTSIDER_NAMES + OTHER_SITE_NAMES,
                skip=("/staff/",)).run("/", browser=browser, folder_name=folder)
    print(walk.summary(), f"screenshots: {walk.folder}", sep="\n")
    return walk


def test_a_client_walks_only_its_own_site_and_downloads_its_own_files(ddb, live_url, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world(live_url)
    session = signed_in_session(live_url, email="client@bakery.example", password=PASSWORD)
    walk = _walk_as_client(live_url, session, "client", browser)
    assert walk.problems == [], "\n".join(walk.problems)
    opened = set(walk.visited)
    assert any(f"/submissions/{world.file_submission_id}/files/0/" in url for url in opened)
    assert not [url for url in opened if any(f"{live_url}{prefix}" in url for prefix in NOT_FOR_CLIENTS)]
    assert f"{live_url}/account/two-factor/" in opened and f"{live_url}/account/password/" in opened


def test_a_team_two_factor_requirement_lets_the_client_set_it_up_and_go_on(ddb, live_url, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world(live_url)
    secret = user_enrol_secret(user=world.owner)
    user_enrol_confirm(user=world.owner, code=pyotp.TOTP(secret).now())
    tenant_two_factor_require(tenant=world.tenant, actor=PortalUser.lookup_for_login(world.owner.email), required=True)

    session = signed_in_session(live_url, email="client@bakery.example", password=PASSWORD)
    first = session.get(f"{live_url}/submissions/")
    assert first.status_code == 200 and first.url == f"{live_url}/account/two-factor/"
    token = first.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    pending = first.text.split('data-testid="two-factor-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    enrolled = session.post(f"{live_url}/account/two-factor/", data={
        "csrfmiddlewaretoken": token, "code": pyotp.TOTP(pending).now()}, headers={"Referer": first.url})
    assert enrolled.status_code == 200 and "recovery" in enrolled.text.lower()
    walk = _walk_as_client(live_url, session, "client-two-factor")
    assert walk.problems == [], "\n".join(walk.problems)
    assert f"{live_url}/submissions/{world.file_submission_id}/" in walk.visited
