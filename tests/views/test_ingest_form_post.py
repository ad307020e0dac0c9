"""POST /f/{siteId}/{formId}: plain HTML forms posted by browsers."""
import pytest
from django.test import Client

from portal.selectors.access import access_submission
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.sites.sites import site_delete
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_site


@pytest.fixture
def site(ddb):
    tenant, _ = make_tenant()
    return tenant, make_site(tenant, domain="shop.example")


def _post(site, data, form="contact", origin="https://shop.example", **headers):
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return Client().post(f"/f/{site.id}/{form}", data=data, **headers)


def _stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items


def test_form_post_from_the_site_is_stored_and_thanked(site):
    tenant, s = site
    response = _post(s, {"name": "Ada", "email": "ada@example.com"}, HTTP_REFERER="https://shop.example/contact/",
                     HTTP_USER_AGENT="Browser/1.0")
    assert response.status_code == 200 and b"Thank you" in response.content
    [stored] = _stored(tenant)
    assert stored.fields == {"name": "Ada", "email": "ada@example.com"} and stored.formId == "contact"
    assert stored.meta["page_url"] == "https://shop.example/contact/" and stored.meta["user_agent"] == "Browser/1.0"
    assert not stored.spam and stored.siteId == s.id


def test_www_variant_and_referer_without_origin_are_the_same_site(site):
    tenant, s = site
    assert _post(s, {"a": "b"}, origin="https://www.shop.example").status_code == 200
    assert _post(s, {"a": "b"}, origin=None, HTTP_REFERER="https://shop.example/x").status_code == 200
    assert len(_stored(tenant)) == 2


@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.evil.example", None, "null"])
def test_other_or_missing_origins_are_refused_with_403(site, origin):
    tenant, s = site
    response = _post(s, {"a": "b"}, origin=origin)
    assert response.status_code == 403
    assert _stored(tenant) == []


def test_honeypot_filled_is_accepted_but_stored_as_spam(site):
    tenant, s = site
    response = _post(s, {"email": "bot@spam.example", "_gotcha": "http://buy.example"})
    assert response.status_code == 200 and b"Thank you" in response.content
    [stored] = _stored(tenant)
    assert stored.spam and "_gotcha" not in stored.fields


def test_next_redirects_only_to_the_sites_own_domain(site):
    tenant, s = site
    ok = _post(s, {"a": "b", "_next": "https://shop.example/thanks/"})
    assert ok.status_code == 302 and ok["Location"] == "https://shop.example/thanks/"
    elsewhere = _post(s, {"a": "b", "_next": "https://evil.example/phish"})
    assert elsewhere.status_code == 200 and b"Thank you" in elsewhere.content
    assert len(_stored(tenant)) == 2


def test_json_answer_when_the_client_asks_for_json(site):
    tenant, s = site
    response = _post(s, {"a": "b"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    assert access_submission(tenant=tenant, submission_id=response.json()["id"]).fields == {"a": "b"}
    refused = _post(s, {"a": "b"}, origin="https://evil.example", HTTP_ACCEPT="application/json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"


def test_unknown_and_deleted_sites_are_404(site):
    tenant, s = site
    assert Client().post("/f/01ARZ3NDEKTSV4RRFFQ69G5FAV/contact", {"a": "b"},
                  HTTP_ORIGIN="https://shop.example").status_code == 404
    site_delete(tenant=tenant, actor="t", site=s)
    assert _post(s, {"a": "b"}).status_code == 404
    assert _stored(tenant) == []


def test_invalid_form_id_in_the_url_is_422(site):
    tenant, s = site
    assert _post(s, {"a": "b"}, form="bad%20id").status_code == 422
