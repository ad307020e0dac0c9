"""The worker's monthly pass of client reports (DynamoDB Local, Django's test outbox): each
report goes once per month to its recipients, in the agency's name, with the numbers of the
submissions ingested; a second pass (or a second worker) sends nothing new."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.dynamo.expiring import ReportMark
from portal.selectors.billing.tenants import tenant_get_or_none
from portal.selectors.reports.subjects import access_report_subject, client_key_for
from portal.services.accounts.branding import tenant_branding_update
from portal.services.reports import sending
from portal.services.reports.sending import reports_send_due
from portal.services.reports.settings import report_opt_set, report_settings_update
from tests.factories.reports import site_report_key
from tests.services.test_reports import BEFORE, MONTH, TODAY, agency, ingest, worked  # noqa: F401 - the fixtures

def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 40), (47, 111, 159)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
FIRST = datetime(TODAY.year, TODAY.month, 1, 8, tzinfo=timezone.utc)  # the 1st, 08:00 UTC


def turn_on(tenant, owner, key, *, tz="UTC", extra=()):
    tenant = tenant_get_or_none(tenant_id=tenant.id)
    subject = access_report_subject(tenant=tenant, report_key=key)
    report_settings_update(tenant=tenant, actor=owner.email, subject=subject, version=tenant.version, send=True,
                           timezone=tz, extra_recipients=list(extra))


@pytest.fixture
def branded(agency):
    tenant, owner, site_a, site_b, ann = agency
    tenant_branding_update(tenant=tenant_get_or_none(tenant_id=tenant.id), actor=owner.email,
                           brand_name="Northwind Digital", logo=SimpleUploadedFile("logo.png", PNG))
    mail.outbox.clear()  # the client's invitation
    return agency


def test_each_report_goes_once_a_month_in_the_agencys_name_with_the_ingested_numbers(branded):
    tenant, owner, site_a, site_b, ann = branded
    key = client_key_for([site_a.id])
    turn_on(tenant, owner, key, extra=["boss@client-a.example"])
    assert reports_send_due(now=FIRST) == 2
    messages = sorted(mail.outbox, key=lambda m: m.to[0])
    assert [m.to for m in messages] == [["ann@client-a.example"], ["boss@client-a.example"]]
    month = MONTH.strftime("%B %Y")
    for message in messages:
        assert message.from_email.startswith('"Northwind Digital" <') or message.from_email.startswith("Northwind Digital <")
        assert message.subject == f"client-a.example: your {month} report from Northwind Digital"
        assert "Submissions: 4 (" in message.body and f"{BEFORE.strftime('%B %Y')}: 2, +100%)" in message.body
        assert "Spam caught: 1" in message.body and "client-a.example/contact: 2 (2, no change)" in message.body
        assert "client-b.example" not in message.body  # the other client's site: not in this report
        html = message.alternatives[0][0]
        assert "/brand/" in html and 'src="cid:days"' in html and "Northwind Digital" in html
        names = [part.get_filename() for part in message.attachments if hasattr(part, "get_filename")]
        names += [a[0] for a in message.attachments if isinstance(a, tuple)]
        assert f"report-{MONTH:%Y-%m}.pdf" in names and "days.png" in names
        pdf = next(a[1] for a in message.attachments if isinstance(a, tuple) and a[0].endswith(".pdf"))
        assert pdf.startswith(b"%PDF")
        assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    # Links are personal: each recipient's opt-out link names its own address.
    assert messages[0].extra_headers["List-Unsubscribe"] != messages[1].extra_headers["List-Unsubscribe"]
    assert ReportMark.sent_at(tenant_id=tenant.id, report_key=key, month=MONTH.strftime("%Y-%m"))
    # A second pass, later the same day and the next day: nothing new.
    assert reports_send_due(now=FIRST.replace(hour=20)) == 0
    sending.reset()  # another worker process, which remembers nothing
    assert reports_send_due(now=FIRST.replace(day=2)) == 0
    assert len(mail.outbox) == 2


def test_only_chosen_reports_go_and_an_opted_out_recipient_gets_none(branded):
    tenant, owner, site_a, site_b, ann = branded
    assert reports_send_due(now=FIRST) == 0  # nothing chosen yet: nothing goes
    turn_on(tenant, owner, site_report_key(site_b), extra=["b@client-b.example"])
    turn_on(tenant, owner, client_key_for([site_a.id]))
    report_opt_set(tenant_id=tenant.id, report_key=client_key_for([site_a.id]), email="ann@client-a.example",
                   opted_out=True, actor="ann")
    assert reports_send_due(now=FIRST) == 1
    (message,) = mail.outbox
    assert message.to == ["b@client-b.example"] and "Submissions: 5 (" in message.body
    assert "client-a.example" not in message.body


def test_the_first_comes_in_the_clients_time_zone(branded):
    tenant, owner, site_a, _site_b, _ann = branded
    turn_on(tenant, owner, client_key_for([site_a.id]), tz="America/Los_Angeles")
    early = FIRST.replace(hour=3)  # 1st 03:00 UTC: still the last day of the month in Los Angeles
    assert reports_send_due(now=early) == 0
    assert reports_send_due(now=FIRST.replace(hour=9)) == 1  # 01:00 on the 1st there
    late = datetime(TODAY.year, TODAY.month, 5, 9, tzinfo=timezone.utc)
    other = client_key_for([site_a.id])
    assert ReportMark.sent_at(tenant_id=tenant.id, report_key=other, month=MONTH.strftime("%Y-%m"))
    assert reports_send_due(now=late) == 0


def test_a_sending_that_fails_is_released_and_the_next_pass_sends_it(branded, monkeypatch):
    tenant, owner, site_a, _site_b, _ann = branded
    turn_on(tenant, owner, client_key_for([site_a.id]))
    real = sending._send

    def broken(*args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(sending, "_send", broken)
    assert reports_send_due(now=FIRST) == 0 and mail.outbox == []
    monkeypatch.setattr(sending, "_send", real)
    assert reports_send_due(now=FIRST.replace(hour=9)) == 1
    assert reports_send_due(now=FIRST.replace(hour=10)) == 0


def test_the_e_mail_and_its_pdf_show_the_clients_lead_outcomes_beside_the_month_before(worked):
    tenant, owner, site_a, _site_b, _ann = worked
    turn_on(tenant, owner, client_key_for([site_a.id]))
    assert reports_send_due(now=FIRST) == 1
    (message,) = mail.outbox
    before = BEFORE.strftime("%B %Y")
    for line in ("Leads\n", f"Won: 2 ({before}: 1, +100%)", f"Lost: 2 ({before}: 0, new)",
                 f"Still open: 5 ({before}: 2, +150%)", f"Replied to: 3 ({before}: 1, +200%)",
                 f"Median time to first response: 4 h ({before}: 15 min, +1500%)"):
        assert line in message.body
    html = message.alternatives[0][0]
    assert "Leads</h2>" in html and "Median time to first response" in html and "+1500%" in html
    pdf = next(a[1] for a in message.attachments if isinstance(a, tuple) and a[0].endswith(".pdf"))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Leads" in text and "Won 2 1 +100%" in text and "Median time to first response 4 h 15 min +1500%" in text
    assert "Still open 5 2 +150%" in text
