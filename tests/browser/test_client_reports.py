"""Client reports in Chromium against gunicorn: the owner previews a client's report (charts
drawn on the server, shown as images under the portal's CSP, with their numbers as tables),
opens the printable layout; the client signs in and sees only its own sites' figures. The
screenshots in docs/images/ are made here."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

from portal.dynamo.users import CLIENT, PortalUser
from portal.selectors.access import access_submission
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.reports.figures import previous_month
from portal.selectors.reports.subjects import client_key_for
from portal.services.accounts.branding import tenant_branding_update
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from portal.services.leads.notes import lead_reply
from portal.services.leads.work import lead_update
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission
from tests.factories.reports import site_report_key

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TODAY = datetime.now(timezone.utc).date()
MONTH = previous_month(TODAY)
BEFORE = previous_month(MONTH)


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def _ingest(tenant, site, month, plan) -> list[str]:
    ids = []
    for day, form, page_path, n in plan:
        for _ in range(n):
            ids.append(make_submission(tenant, site_id=site.id, form_id=form,
                                       now=datetime(month.year, month.month, day, 10, tzinfo=timezone.utc),
                                       meta={"page_url": f"https://{site.domain}{page_path}"}))
    return ids


def _work(tenant, owner, submission_id, *moves):
    """Move a lead with the lead services: a state, or a reply after a delay (a timedelta)."""
    for move in moves:
        found = access_submission(tenant=tenant, submission_id=submission_id,
                                  now=datetime(2000, 1, 1, tzinfo=timezone.utc))  # however old: not expired
        if isinstance(move, timedelta):
            lead_reply(tenant=tenant, actor=owner, submission=found, subject="", body="Thank you, we are on it.",
                       now=found.receivedAt + move)
        else:
            lead_update(tenant=tenant, actor=owner, submission=found, state=move)


def _images_loaded(page) -> list[int]:
    return page.eval_on_selector_all("img.report-chart", "els => els.map(e => e.complete ? e.naturalWidth : 0)")


def test_owner_previews_a_clients_report_and_the_client_sees_only_its_sites(page):
    tenant, owner = make_tenant(organization="Northwind Digital Ltd")
    tenant_branding_update(tenant=tenant_get_or_none(tenant_id=tenant.id), actor=owner.email,
                           brand_name="Northwind Digital")
    bakery, garage = make_site(tenant, domain="bakery.example"), make_site(tenant, domain="garage.example")
    worked = _ingest(tenant, bakery, MONTH, [(2, "contact", "/contact", 3), (3, "order", "/cakes/wedding", 2),
                                    (9, "contact", "/", 4), (14, "order", "/cakes/birthday", 5),
                                    (15, "contact", "/contact", 2), (21, "newsletter", "/", 6),
                                    (27, "order", "/cakes/wedding", 3)])
    worked_before = _ingest(tenant, bakery, BEFORE, [(4, "contact", "/contact", 4), (12, "order", "/cakes/wedding", 3),
                                     (20, "newsletter", "/", 2)])
    _ingest(tenant, bakery, TODAY, [(1, "contact", "/contact", 2)])
    garage_leads = _ingest(tenant, garage, MONTH, [(5, "booking", "/service", 7)])
    # Leads worked: last month 6 won, 2 lost, 4 answered (median within 1 h); the month before
    # 2 won, 3 answered (median within 4 h); and a garage lead, which is not the bakery's.
    for sub, moves in zip(worked, [("WON",), ("WON",), ("WON",), ("WON",), ("LOST",), ("LOST",),
                                   (timedelta(minutes=12), "WON"), (timedelta(minutes=40), "WON"),
                                   (timedelta(minutes=50),), (timedelta(hours=6),), ("OPEN",)]):
        _work(tenant, owner, sub, *moves)
    for sub, moves in zip(worked_before, [(timedelta(hours=3), "WON"), (timedelta(hours=3), "WON"),
                                          (timedelta(hours=20),)]):
        _work(tenant, owner, sub, *moves)
    _work(tenant, owner, garage_leads[0], timedelta(minutes=1), "WON")
    make_submission(tenant, site_id=bakery.id, form_id="contact", spam=True,
                    now=datetime(MONTH.year, MONTH.month, 9, 11, tzinfo=timezone.utc))
    client = team_invite(tenant=tenant, actor=owner, email="owner@bakery.example", role=CLIENT,
                         site_ids=[bakery.id])
    invitation_accept(token=invitation_token(user=client), password=PASSWORD)
    key = client_key_for([bakery.id])

    # The owner: every report listed; the preview of the month running; last month's report.
    _sign_in(page, owner.email)
    page.click("nav >> text=Reports")
    page.wait_for_url("**/reports/")
    listing = page.locator("table.report-list").inner_text()
    assert "bakery.example" in listing and "garage.example" in listing and "owner@bakery.example" in listing
    page.click(f"a[href='/reports/{key}/{TODAY:%Y-%m}/']")
    page.wait_for_url(f"**/reports/{key}/{TODAY:%Y-%m}/")
    assert "so far" in page.locator("h1").inner_text()
    glance = page.locator("table.report-table").first.inner_text()
    assert "Submissions\t2\t25" in glance  # this month so far beside last month
    page.goto(f"/reports/{key}/{MONTH:%Y-%m}/")
    assert all(width > 0 for width in _images_loaded(page)) and len(_images_loaded(page)) == 3
    glance = page.locator("table.report-table").first.inner_text()
    assert "Submissions\t25\t9\t+177.8%" in glance and "Spam caught\t1\t0\tnew" in glance
    body = page.locator("main").inner_text()
    assert "bakery.example/cakes/wedding" in body and "garage.example" not in body
    leads = page.locator("table.report-table").nth(1).inner_text()
    assert "Won\t6\t2\t+200%" in leads and "Lost\t2\t0\tnew" in leads and "Replied to\t4\t3" in leads
    assert "Still open\t17\t7" in leads
    assert "Median time to first response\t60 min\t4 h\t−75%" in leads
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(DOCS_IMAGES / "client-report.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(DOCS_IMAGES / "client-report-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=Printable layout")
    page.wait_for_url("**/print/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1032})  # an A4 sheet at 96 dpi, less the 12 mm margins
    assert all(width > 0 for width in _images_loaded(page))
    page.screenshot(path=str(DOCS_IMAGES / "client-report-print.png"), full_page=True)
    printed = page.pdf(format="A4", print_background=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert printed.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", printed)) == 1, height  # one sheet
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The client: its own report, its own sites' figures, and 404 for the rest.
    _sign_in(page, "owner@bakery.example")
    page.click("nav >> text=Reports")
    page.wait_for_url("**/reports/")
    listing = page.locator("main").inner_text()
    assert "bakery.example" in listing and "garage.example" not in listing
    page.goto(f"/reports/{key}/{MONTH:%Y-%m}/")
    glance = page.locator("table.report-table").first.inner_text()
    assert "Submissions\t25\t9" in glance
    assert "Won\t6\t2\t+200%" in page.locator("table.report-table").nth(1).inner_text()  # the garage's win: not here
    body = page.locator("main").inner_text()
    assert "garage.example" not in body and "Send this report now" not in body
    assert page.goto(f"/reports/{site_report_key(garage)}/{MONTH:%Y-%m}/").status == 404
    assert page.goto(f"/reports/{site_report_key(bakery)}/{MONTH:%Y-%m}/").status == 404
    assert PortalUser.lookup_for_login("owner@bakery.example").role == CLIENT
