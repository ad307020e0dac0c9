"""The agency's team walks its whole day: the OWNER, an ADMIN and a MEMBER each start at the
dashboard, follow every link and open every form they are shown (tests/browser/walk.py), and
find nothing that answers 403/404/405/5xx, nothing of another tenant, and no raw Markdown,
Python repr or template leftover. Screenshots of every kind of page go to var/walks/<role>/."""
import pytest

from tests.browser.walk import Walk, signed_in_session
from tests.browser.walk_world import OUTSIDER_NAMES, build_world
from tests.factories.accounts import PASSWORD


@pytest.mark.parametrize("role", ["OWNER", "ADMIN", "MEMBER"])
def test_a_team_member_walks_every_page_link_and_form_they_are_shown(role, ddb, live_url, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world(live_url)
    session = signed_in_session(live_url, email=world.users[role].email, password=PASSWORD)
    walk = Walk(base_url=live_url, role=role.lower(), session=session, forbidden=OUTSIDER_NAMES,
                skip=("/staff/",)).run("/", browser=browser)
    print(walk.summary(), f"screenshots: {walk.folder}", sep="\n")
    assert walk.problems == [], "\n".join(walk.problems)
    assert len(walk.shapes) >= 10
