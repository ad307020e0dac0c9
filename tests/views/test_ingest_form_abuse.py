"""Abuse of /f/{siteId}/{formId} (issue 10): a CAPTCHA per site verified with the provider's API
(a local fake answering like Turnstile, hCaptcha and reCAPTCHA v2/v3), chosen on the site's
protection page and shown in its quick start; limits per client address; a daily cap of
browser posts that count against the quota."""
import pytest
from django.test import Client

from portal.dynamo.sites import Site
from portal.selectors.access import access_site
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.sites.site_protection import site_protection_update
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.captcha import SECRET, start_fake_verifier
from tests.factories.ingest import make_site


@pytest.fixture
def verifier(settings):
    fake, server = start_fake_verifier()
    settings.CAPTCHA_TURNSTILE_VERIFY_URL = f"{fake.url}/turnstile/v0/siteverify"
    settings.CAPTCHA_HCAPTCHA_VERIFY_URL = f"{fake.url}/hcaptcha/siteverify"
    settings.CAPTCHA_RECAPTCHA_VERIFY_URL = f"{fake.url}/recaptcha/api/siteverify"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(ddb):
    tenant, user = make_tenant()
    return tenant, user, make_site(tenant, domain="shop.example")


def _protect(tenant, user, site, provider, **overrides):
    values = dict(captcha_provider=provider, captcha_site_key="site-key-1", captcha_secret=SECRET,
                  captcha_min_score=0.5, browser_daily_cap=None)
    values.update(overrides)
    return site_protection_update(tenant=tenant, actor=user.email, site=access_site(tenant=tenant, site_id=site.id),
                                  **values)


def _post(site, data, *, ip="198.51.100.7", json_answer=True):
    headers = {"HTTP_ORIGIN": "https://shop.example", "REMOTE_ADDR": ip}
    if json_answer:
        headers["HTTP_ACCEPT"] = "application/json"
    return Client().post(f"/f/{site.id}/contact", data=data, **headers)


def _stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items


@pytest.mark.parametrize("provider, field", [("turnstile", "cf-turnstile-response"),
                                             ("hcaptcha", "h-captcha-response"),
                                             ("recaptcha_v2", "g-recaptcha-response"),
                                             ("recaptcha_v3", "g-recaptcha-response")])
def test_each_provider_is_verified_server_side_before_storing(shop, verifier, provider, field):
    tenant, user, site = shop
    _protect(tenant, user, site, provider)
    missing = _post(site, {"name": "Ada"})
    bad = _post(site, {"name": "Ada", field: "bad"})
    assert missing.status_code == bad.status_code == 403
    assert missing["Content-Type"] == "application/problem+json" and "invalid-input-response" in bad.json()["detail"]
    assert _stored(tenant) == []
    good = _post(site, {"name": "Ada", field: "good"})
    assert good.status_code == 202
    [stored] = _stored(tenant)
    assert stored.fields == {"name": "Ada"}  # the token is not stored
    assert verifier.requests[-1]["secret"] == SECRET and verifier.requests[-1]["remoteip"] == "198.51.100.7"
    assert verifier.requests[-1]["path"].startswith("/" + provider.split("_")[0])


def test_recaptcha_v3_refuses_a_score_below_the_sites_minimum(shop, verifier):
    tenant, user, site = shop
    _protect(tenant, user, site, "recaptcha_v3", captcha_min_score=0.5)
    assert _post(site, {"name": "Ada", "g-recaptcha-response": "low"}).status_code == 403
    _protect(tenant, user, site, "recaptcha_v3", captcha_min_score=0.05, captcha_secret="")  # blank keeps the secret
    assert _post(site, {"name": "Ada", "g-recaptcha-response": "low"}).status_code == 202


def test_a_failed_captcha_shows_the_error_page_to_browsers(shop, verifier):
    tenant, user, site = shop
    _protect(tenant, user, site, "turnstile")
    page = _post(site, {"name": "Ada"}, json_answer=False)
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    assert "Turnstile" in page.content.decode()


def test_an_unreachable_verifier_refuses_rather_than_stores(shop, settings):
    tenant, user, site = shop
    _protect(tenant, user, site, "hcaptcha")
    settings.CAPTCHA_HCAPTCHA_VERIFY_URL = "http://127.0.0.1:9/siteverify"
    assert _post(site, {"name": "Ada", "h-captcha-response": "good"}).status_code == 403
    assert _stored(tenant) == []


def test_one_client_address_cannot_use_up_the_sites_budget(shop, settings):
    settings.INGEST_BROWSER_IP_LIMIT = 3
    tenant, _, site = shop
    answers = [_post(site, {"n": str(i)}).status_code for i in range(4)]
    assert answers == [202, 202, 202, 429]
    assert _post(site, {"n": "other"}, ip="203.0.113.5").status_code == 202
    assert len(_stored(tenant)) == 4


def test_forwarded_for_hops_written_by_the_client_do_not_change_the_address(shop, settings):
    settings.INGEST_BROWSER_IP_LIMIT, settings.TRUSTED_PROXY_HOPS = 2, 1
    _, _, site = shop
    answers = [Client().post(f"/f/{site.id}/contact", data={"n": "x"}, HTTP_ORIGIN="https://shop.example",
                             HTTP_ACCEPT="application/json",
                             HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 198.51.100.9").status_code for i in range(3)]
    assert answers == [202, 202, 429]


def test_the_sites_daily_cap_stops_browser_posts_before_the_quota(shop, settings):
    settings.INGEST_BROWSER_DAILY_CAP = 2
    tenant, user, site = shop
    answers = [_post(site, {"n": str(i)}, ip=f"198.51.100.{i}") for i in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2]["Retry-After"]) > 0 and answers[2].json()["type"].endswith("/browser-daily-cap")
    _protect(tenant, user, site, "", browser_daily_cap=3)  # the site's own cap
    assert _post(site, {"n": "x"}, ip="198.51.100.50").status_code == 202
    assert len(_stored(tenant)) == 3


def test_the_protection_page_saves_the_provider_and_the_quick_start_shows_its_snippet(shop, verifier):
    tenant, user, site = shop
    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get(f"/sites/{site.id}/protection/").status_code == 200
    refused = client.post(f"/sites/{site.id}/protection/", {"captcha_provider": "turnstile", "captcha_site_key": "0xAAA"})
    assert refused.status_code == 200 and "secret key" in refused.content.decode()
    saved = client.post(f"/sites/{site.id}/protection/", {"captcha_provider": "turnstile", "captcha_site_key": "0xAAA",
                                                          "captcha_secret": SECRET, "browser_daily_cap": "200"})
    assert saved.status_code == 302
    stored = access_site(tenant=tenant, site_id=site.id)
    assert (stored.captchaProvider, stored.captchaSiteKey, int(stored.browserDailyCap)) == ("turnstile", "0xAAA", 200)
    assert SECRET not in (stored.captchaSecretEncrypted or "")  # encrypted at rest
    quick = client.get(f"/sites/{site.id}/quick-start/").content.decode()
    assert "challenges.cloudflare.com/turnstile/v0/api.js" in quick and 'data-sitekey="0xAAA"' in quick
    assert _post(site, {"name": "Ada", "cf-turnstile-response": "good"}).status_code == 202


def test_another_tenant_cannot_reach_the_protection_page(shop):
    _, _, site = shop
    _, other = make_tenant()
    client = Client()
    client.post("/login/", {"email": other.email, "password": PASSWORD})
    assert client.get(f"/sites/{site.id}/protection/").status_code == 404
    assert client.post(f"/sites/{site.id}/protection/", {"captcha_provider": ""}).status_code == 404
    assert Site.lookup_by_id(site.id).captchaProvider == ""
