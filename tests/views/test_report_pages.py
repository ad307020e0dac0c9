"""The report pages through Django's test client (DynamoDB Local): the owner sees every
report, previews, prints, downloads, sets up and sends; a client sees its own report only;
another tenant gets 404 for every report of this one; the e-mail's opt-out link needs no
sign-in and a GET changes nothing."""
from __future__ import annotations

from django.core import mail

from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.reports.settings import report_settings
from portal.selectors.reports.subjects import client_key_for
from portal.services.reports.settings import unsubscribe_token
from tests.factories.accounts import make_tenant, stored_items
from tests.factories.reports import site_report_key
from tests.services.test_reports import MONTH, agency  # noqa: F401 - the fixture
from tests.views.test_roles import _client

M = MONTH.strftime("%Y-%m")


def test_the_owner_sees_every_report_with_charts_and_their_numbers(agency):
    tenant, owner, site_a, site_b, ann = agency
    client = _client(owner.email)
    index = client.get("/reports/").content.decode()
    assert "client-a.example" in index and "client-b.example" in index and "ann@client-a.example" in index
    page = client.get(f"/reports/{client_key_for([site_a.id])}/{M}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('src="data:image/svg+xml;base64,') == 3  # per day, per form, per page
    assert "<script" not in body.split("</header>", 1)[1]  # no script drawn into the report
    report = page.context["report"]
    assert report.current.submissions == 4 and "client-b.example/b-only" not in body
    assert "Send this report now" in body and "client-a.example/pricing" in body
    printable = client.get(f"/reports/{client_key_for([site_a.id])}/{M}/print/")
    assert printable.status_code == 200 and b"report-sheet" in printable.content and b"<nav" not in printable.content
    pdf = client.get(f"/reports/{client_key_for([site_a.id])}/{M}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"/reports/{client_key_for([site_a.id])}/2019-13/").status_code == 404


def test_the_owner_sets_up_the_monthly_email_and_sends_one_now(agency):
    tenant, owner, site_a, _site_b, _ann = agency
    client = _client(owner.email)
    key = client_key_for([site_a.id])
    version = tenant_get_or_none(tenant_id=tenant.id).version
    response = client.post(f"/reports/{key}/{M}/settings/", {"send": "on", "timezone": "Europe/Paris",
                                                              "recipients": "boss@client-a.example", "version": version})
    assert response.status_code == 302
    choice = report_settings(tenant=tenant_get_or_none(tenant_id=tenant.id), report_key=key)
    assert (choice.send, choice.timezone, choice.extra_recipients) == (True, "Europe/Paris", ["boss@client-a.example"])
    mail.outbox.clear()
    sent = client.post(f"/reports/{key}/{M}/send/", follow=True)
    assert "Report sent to 2 recipients." in sent.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@client-a.example", "boss@client-a.example"]


def test_a_client_sees_its_own_report_and_gets_404_for_any_other(agency):
    tenant, _owner, site_a, site_b, ann = agency
    client = _client(ann.email)
    index = client.get("/reports/").content.decode()
    assert "client-a.example" in index and "client-b.example" not in index
    own = client.get(f"/reports/{client_key_for([site_a.id])}/{M}/")
    assert own.status_code == 200 and own.context["report"].current.submissions == 4
    assert "Send this report now" not in own.content.decode()
    before = stored_items()
    for key in (site_report_key(site_a), site_report_key(site_b), client_key_for([site_b.id]),
                client_key_for([site_a.id, site_b.id])):
        for suffix in ("", "print/", "report.pdf"):
            assert client.get(f"/reports/{key}/{M}/{suffix}").status_code == 404, (key, suffix)
    assert client.post(f"/reports/{client_key_for([site_a.id])}/{M}/send/").status_code == 403
    assert client.post(f"/reports/{client_key_for([site_a.id])}/{M}/settings/", {"send": "on"}).status_code == 403
    assert stored_items() == before


def test_another_tenant_gets_404_for_every_report_of_this_one(agency):
    tenant, _owner, site_a, site_b, _ann = agency
    _other, stranger = make_tenant()
    client = _client(stranger.email)
    before = stored_items()
    for key in (client_key_for([site_a.id]), site_report_key(site_a), site_report_key(site_b)):
        for suffix in ("", "print/", "report.pdf"):
            assert client.get(f"/reports/{key}/{M}/{suffix}").status_code == 404
        for suffix in ("settings/", "send/", "email/"):
            assert client.post(f"/reports/{key}/{M}/{suffix}", {"send": "on", "version": 1}).status_code == 404
    assert "client-a.example" not in client.get("/reports/").content.decode()
    after = stored_items()
    after.pop("audit"), before.pop("audit")
    assert after == before


def test_the_opt_out_link_asks_first_then_opts_out_without_a_sign_in(agency):
    tenant, _owner, site_a, _site_b, ann = agency
    key = client_key_for([site_a.id])
    token = unsubscribe_token(tenant_id=tenant.id, report_key=key, email=ann.email)
    client = _client.__globals__["Client"]()
    page = client.get(f"/reports/unsubscribe/{token}/")
    assert page.status_code == 200 and "Stop these e-mails" in page.content.decode()
    assert report_settings(tenant=tenant_get_or_none(tenant_id=tenant.id), report_key=key).opted_out == []
    done = client.post(f"/reports/unsubscribe/{token}/")
    assert "You are opted out" in done.content.decode()
    assert report_settings(tenant=tenant_get_or_none(tenant_id=tenant.id), report_key=key).opted_out == [ann.email]
    assert client.get(f"/reports/unsubscribe/{token[:-3]}abc/").status_code == 404
