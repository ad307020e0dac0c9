import time, pytest
from tests.browser.walk import Walk, signed_in_session
from tests.browser.walk_world import OUTSIDER_NAMES, build_world
from tests.factories.accounts import PASSWORD

def test_dbg(ddb, live_url, browser, monkeypatch):
    import os
    role = os.environ.get("ROLE", "OWNER")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    t = time.monotonic(); world = build_world(live_url); print("world", time.monotonic() - t)
    session = signed_in_session(live_url, email=world.users[role].email, password=PASSWORD)
    t = time.monotonic()
    walk = Walk(base_url=live_url, role=role.lower(), session=session, forbidden=OUTSIDER_NAMES, skip=("/staff/",)).run("/")
    print("crawl", time.monotonic() - t)
    print(walk.summary())
    print("\n".join(walk.problems))
    print("\n".join(sorted(walk.shapes)))
    print("\n".join(walk.forms_submitted))
    if os.environ.get("SHOTS"):
        t = time.monotonic(); walk.screenshots(browser); print("shots", time.monotonic() - t)
