"""Tenant portal pages for sites, keys and submissions, and tenant isolation: every URL with
another tenant's ids answers 404 and changes nothing."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest
from django.test import Client

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.audit import AuditEntry
from portal.dynamo.deliveries import Delivery
from portal.dynamo.destinations import Destination
from portal.dynamo.base import new_id
from portal.dynamo.metrics import day_counts_between
from portal.selectors.access import access_submission
from portal.selectors.sites import api_key_list, site_list
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_key, make_site, make_submission


def _client(user):
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def two(ddb):
    a, a_user = make_tenant(organization="Alpha")
    b, b_user = make_tenant(organization="Beta")
    return (a, _client(a_user)), (b, _client(b_user))


def _snapshot(tenant):
    subs = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL), limit=100).items
    return ([s.serialize() for s in subs],
            [s.serialize() for s in site_list(tenant_id=tenant.id, include_deleted=True)],
            [k.serialize() for s in site_list(tenant_id=tenant.id, include_deleted=True)
             for k in api_key_list(tenant_id=tenant.id, site_id=s.id)])


def test_every_tenant_url_with_another_tenants_ids_is_404_and_changes_nothing(two):
    (a, _), (b, b_client) = two
    site = make_site(a, domain="alpha.example")
    key, _ = make_key(a, site)
    sub = make_submission(a, site_id=site.id)
    before = _snapshot(a)
    gets = [f"/sites/{site.id}/", f"/sites/{site.id}/delete/", f"/sites/{site.id}/quick-start/",
            f"/submissions/{sub}/", f"/submissions/{sub}/delete/"]
    posts = [(f"/sites/{site.id}/delete/", {}), (f"/sites/{site.id}/keys/", {"label": "x"}),
             (f"/sites/{site.id}/keys/{key.id}/revoke/", {}), (f"/submissions/{sub}/spam/", {"spam": "1"}),
             (f"/submissions/{sub}/delete/", {"confirm": "on"})]
    for url in gets:
        assert b_client.get(url).status_code == 404, url
    for url, data in posts:
        assert b_client.post(url, data).status_code == 404, url
    assert _snapshot(a) == before
    # B's own lists and exports show nothing of A's.
    assert sub not in b_client.get("/submissions/").content.decode()
    assert sub not in b"".join(b_client.get("/submissions/export.csv").streaming_content).decode()
    assert "alpha.example" not in b_client.get("/sites/").content.decode()


def test_a_cursor_from_another_tenant_is_refused_without_error(two):
    (a, a_client), (b, b_client) = two
    for i in range(30):
        make_submission(a, fields={"n": str(i)})
    page = submission_list(tenant=a, filters=SubmissionFilters(), limit=25)
    response = b_client.get(f"/submissions/?cursor={page.next_cursor}")
    assert response.status_code == 400 and "not valid here" in response.content.decode()
    assert a_client.get(f"/submissions/?cursor={page.next_cursor}").status_code == 200
    assert a_client.get("/submissions/?cursor=garbage").status_code == 400


def test_adding_a_site_and_creating_a_key_shows_the_key_once(two):
    (a, client), _ = two
    response = client.post("/sites/", {"domain": "HTTPS://Shop.Example/path", "name": ""})
    [site] = site_list(tenant_id=a.id)
    assert response.status_code == 302 and response["Location"] == f"/sites/{site.id}/"
    assert site.domain == "shop.example"
    created = client.post(f"/sites/{site.id}/keys/", {"label": "WP"}, follow=True)
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    assert created.redirect_chain[0][0].startswith(f"/sites/{site.id}/keys/")
    raw = created.content.decode().split('data-testid="raw-key" class="mono"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert raw.startswith("fbk_") and ApiKey.lookup_by_raw_key(raw).tenantId == a.id
    assert raw not in client.get(f"/sites/{site.id}/").content.decode()


def test_invalid_domain_is_a_form_error_and_a_domain_claimed_elsewhere_reveals_nothing(two):
    (a, a_client), (b, b_client) = two
    assert "not a valid domain" in a_client.post("/sites/", {"domain": "not a domain"}).content.decode()
    a_client.post("/sites/", {"domain": "taken.example"})
    # Issue 12: no "another account" answer; B gets its own unverified claim, like any new site.
    answer = b_client.post("/sites/", {"domain": "taken.example"}, follow=True).content.decode()
    assert "another account" not in answer and "Verify taken.example" in answer
    assert [site.domain for site in site_list(tenant_id=b.id)] == ["taken.example"]


def test_revoking_a_key_from_the_site_page(two):
    (a, client), _ = two
    site = make_site(a)
    key, _ = make_key(a, site)
    response = client.post(f"/sites/{site.id}/keys/{key.id}/revoke/")
    assert response.status_code == 302
    assert api_key_list(tenant_id=a.id, site_id=site.id)[0].revokedAt is not None


def test_quick_start_fills_in_the_endpoint(two, settings):
    (a, client), _ = two
    site = make_site(a, domain="wp.example")
    body = client.get(f"/sites/{site.id}/quick-start/").content.decode()
    assert f"{settings.SITE_URL}/api/v1/submissions" in body and "wp_remote_post" in body and "curl -X POST" in body
    assert f"{settings.SITE_URL}/f/{site.id}/contact" in body


def test_list_is_newest_first_and_filters_by_form_date_and_spam(two):
    (a, client), _ = two
    early = make_submission(a, form_id="quote", fields={"who": "early"}, now=datetime(2030, 1, 5, tzinfo=timezone.utc))
    late = make_submission(a, form_id="contact", fields={"who": "late"}, now=datetime(2030, 2, 5, tzinfo=timezone.utc))
    spam = make_submission(a, form_id="contact", fields={"who": "bot"}, spam=True,
                           now=datetime(2030, 2, 6, tzinfo=timezone.utc))

    def ids(query):
        body = client.get(f"/submissions/?{query}").content.decode()
        return [i for i in (early, late, spam) if i in body], body

    assert ids("")[0] == [early, late] and ids("")[1].index(late) < ids("")[1].index(early)
    assert ids("form=quote")[0] == [early]
    assert ids("date_from=2030-02-01&date_to=2030-02-28")[0] == [late]
    assert ids("spam=yes")[0] == [spam]
    assert ids("spam=all&form=contact&date_from=2030-02-01")[0] == [late, spam]


def test_detail_shows_every_field_and_meta(two):
    (a, client), _ = two
    sub = make_submission(a, fields={"name": "Ada <b>", "tags": ["x", "y"], "note": "line1\nline2"},
                          meta={"page_url": "https://a.example/p", "ip": "203.0.113.5"})
    body = client.get(f"/submissions/{sub}/").content.decode()
    for text in ["name", "Ada &lt;b&gt;", "tags", ">x<", ">y<", "line1\nline2", "https://a.example/p", "203.0.113.5"]:
        assert text in body


def test_marking_spam_moves_the_count_and_back(two):
    (a, client), _ = two
    now = datetime(2030, 3, 3, 10, tzinfo=timezone.utc)
    sub = make_submission(a, form_id="contact", now=now)
    client.post(f"/submissions/{sub}/spam/", {"spam": "1"})
    day = day_counts_between(tenant_id=a.id, first_day="2030-03-03", last_day="2030-03-03")["2030-03-03"]
    assert access_submission(tenant=a, submission_id=sub).spam
    assert (day.submissions, day.spam, day.forms["contact"]) == (0, 1, 0)
    client.post(f"/submissions/{sub}/spam/", {"spam": "0"})
    day = day_counts_between(tenant_id=a.id, first_day="2030-03-03", last_day="2030-03-03")["2030-03-03"]
    assert not access_submission(tenant=a, submission_id=sub).spam and (day.submissions, day.spam) == (1, 0)


def test_delete_for_good_removes_submission_and_deliveries_and_audits_without_values(two):
    (a, client), _ = two
    Destination.in_tenant(a.id).new(id=new_id(), name="hook", url="https://h.example/").save()
    sub = make_submission(a, fields={"email": "private@example.com"})
    assert list(Delivery.in_tenant(a.id).query(Delivery.partition_for(sub)))
    assert client.post(f"/submissions/{sub}/delete/", {}).status_code == 200  # confirmation required
    response = client.post(f"/submissions/{sub}/delete/", {"confirm": "on", "reason": "GDPR request"})
    assert response.status_code == 302
    assert client.get(f"/submissions/{sub}/").status_code == 404
    assert list(Delivery.in_tenant(a.id).query(Delivery.partition_for(sub))) == []
    entries = [e for e in AuditEntry.in_tenant(a.id).query(AuditEntry.partition_for(a.id)) if e.action == "submission.delete"]
    assert len(entries) == 1 and entries[0].detail == "GDPR request"
    assert "private@example.com" not in json.dumps(entries[0].before)


def test_exports_stream_the_filtered_set_as_csv_and_json_lines(two):
    (a, client), _ = two
    make_submission(a, form_id="contact", fields={"name": "=cmd()", "tags": ["a", "b"]})
    make_submission(a, form_id="quote", fields={"budget": "5000"})
    response = client.get("/submissions/export.csv?form=contact")
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="submissions.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["form_id"] == "contact"
    assert rows[0]["name"] == "'=cmd()" and rows[0]["tags"] == "a, b"
    lines = b"".join(client.get("/submissions/export.jsonl").streaming_content).decode().splitlines()
    assert [json.loads(line)["form_id"] for line in lines] == ["quote", "contact"]


def test_dashboard_shows_totals_spam_top_forms_and_quota(two):
    (a, client), _ = two
    make_submission(a, form_id="contact")
    make_submission(a, form_id="contact")
    make_submission(a, form_id="quote")
    make_submission(a, spam=True)
    body = client.get("/").content.decode()
    assert 'data-testid="total">3<' in body and "contact" in body and "quote" in body
    assert "3 <span class=\"muted small\">of 1,000" in body


def test_csv_header_cells_named_like_formulas_are_escaped_too(two):
    (a, client), _ = two
    formula = '=HYPERLINK("http://x.example")'
    make_submission(a, fields={formula: "v", "@sum": "w", "plain": "=1+1"})
    text = b"".join(client.get("/submissions/export.csv").streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "'" + formula in header and "'@sum" in header and "plain" in header
    assert not [cell for cell in header if cell[:1] in ("=", "+", "-", "@")]
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["'" + formula] == "v" and row["plain"] == "'=1+1"




def test_a_new_key_survives_reload_and_back_for_a_while_and_then_the_page_says_it_is_gone(two, monkeypatch):
    (a, client), _ = two
    site = make_site(a)
    created = client.post(f"/sites/{site.id}/keys/", {"label": "WP"})
    assert created.status_code == 302
    key_page = created["Location"]
    raw = client.get(key_page).content.decode().split('data-testid="raw-key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert raw.startswith("fbk_")
    assert raw in client.get(key_page).content.decode()  # a reload
    assert client.get(f"/sites/{site.id}/keys/").status_code == 302  # Back to the form's URL
    assert raw not in Client().get(key_page).content.decode()
    from portal.views import shown_once

    from datetime import timedelta

    monkeypatch.setattr(shown_once, "SHOWN_FOR", timedelta(0))  # the few minutes have passed
    gone = client.get(key_page).content.decode()
    assert raw not in gone and "is no longer shown" in gone


def test_exports_name_the_site_by_its_domain_beside_its_id(two):
    (a, client), _ = two
    site = make_site(a, domain="bakery.example")
    make_submission(a, site_id=site.id, fields={"name": "Ada"})
    make_submission(a, fields={"name": "No site"})
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/submissions/export.csv").streaming_content)
                                           .decode("utf-8-sig"))))
    assert sorted((r["site_id"], r["site_domain"]) for r in rows) == [("", ""), (site.id, "bakery.example")]
    lines = [json.loads(line) for line in b"".join(client.get("/submissions/export.jsonl").streaming_content)
             .decode().splitlines()]
    assert sorted((r["site_id"], r["site_domain"]) for r in lines) == [("", ""), (site.id, "bakery.example")]
