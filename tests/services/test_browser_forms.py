"""The browser-form rules as a service (issue 9, section 5): refusals are domain errors that
say nothing about HTTP, and nothing is stored for them."""
import pytest

from portal.dynamo.tenants import SUSPENDED
from portal.selectors.access import access_submission, access_tenant
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.sites.api_keys import TenantBlocked
from portal.services.ingest.browser_forms import (FormUnavailable, OriginRefused, browser_form_open,
                                           browser_form_submit)
from portal.services.billing.tenants import tenant_status_change
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_site


@pytest.fixture
def site(ddb):
    tenant, _ = make_tenant()
    return tenant, make_site(tenant, domain="www.shop.example")


def test_refusals_are_domain_errors_without_http(site):
    tenant, s = site
    with pytest.raises(FormUnavailable):
        browser_form_open(site_id="nope", origin="https://shop.example", referer=None)
    with pytest.raises(OriginRefused, match="only from pages on www.shop.example"):
        browser_form_open(site_id=s.id, origin="https://evil.example", referer="https://shop.example/")
    tenant_status_change(tenant=access_tenant(tenant_id=tenant.id), actor="staff", version=None, to_status=SUSPENDED,
                         reason="Unpaid")
    with pytest.raises(TenantBlocked) as blocked:
        browser_form_open(site_id=s.id, origin=None, referer="https://shop.example/contact")
    for error in (blocked.value, OriginRefused("x.example"), FormUnavailable()):
        assert not {"status", "slug", "title"} & set(vars(error))


def test_a_post_is_stored_with_its_browser_meta_and_the_honeypot_makes_it_spam(site):
    tenant, s = site
    form = browser_form_open(site_id=s.id, origin=None, referer="https://shop.example/contact")
    result = browser_form_submit(form=form, form_id="contact", fields={"a": "b"}, special={"_gotcha": "x"},
                                 referer="https://shop.example/contact", user_agent="B" * 600, ip="203.0.113.9")
    stored = access_submission(tenant=tenant, submission_id=result.submission_id)
    assert stored.spam and stored.siteId == s.id
    assert stored.meta == {"page_url": "https://shop.example/contact", "referrer": "https://shop.example/contact",
                           "user_agent": "B" * 512, "ip": "203.0.113.9"}
    assert len(submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items) == 1


def test_next_and_back_links_stay_on_the_site(site):
    _, s = site
    form = browser_form_open(site_id=s.id, origin="https://shop.example", referer=None)
    assert form.redirect_target({"_next": "https://www.shop.example/thanks"}) == "https://www.shop.example/thanks"
    assert form.redirect_target({"_next": "javascript://shop.example/%0aalert(1)"}) is None
    assert form.redirect_target({"_next": "https://evil.example/"}) is None and form.redirect_target({}) is None
    assert form.back_link() == "https://shop.example"
