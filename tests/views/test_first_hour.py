"""The first hour of a new tenant, page by page: the quick start walks site → key → destination
→ test submission; "Send a test submission" goes through ingest and shows where it goes; in
development one click adds the built-in inspector as a destination; the https rule says what
development allows."""
from django.test import Client

from portal.selectors.destinations import destination_list
from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_list
from portal.services.delivery_setup.destinations import destination_delete
from portal.services.ingest.sample import SAMPLE_FORM_ID
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_site


def _client(user) -> Client:
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    return client


def test_send_a_test_submission_stores_it_through_ingest_and_names_its_destinations(ddb):
    tenant, owner = make_tenant()
    site = make_site(tenant, domain="first.example")
    make_destination(tenant, owner, name="My CRM")
    client = _client(owner)
    assert "Send a test submission" in client.get(f"/sites/{site.id}/").content.decode()
    answer = client.post(f"/sites/{site.id}/test-submission/", follow=True)
    (stored,) = submission_list(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL)).items
    assert answer.redirect_chain == [(f"/submissions/{stored.id}/", 302)]
    assert (stored.siteId, stored.formId) == (site.id, SAMPLE_FORM_ID)
    page = answer.content.decode()
    assert "being delivered to My CRM" in page and "first.example" in page
    assert client.get(f"/sites/{site.id}/test-submission/").status_code == 405  # a button, never a link


def test_a_test_submission_with_no_destination_says_what_to_do_and_members_are_not_offered_one(ddb):
    tenant, owner = make_tenant()
    site = make_site(tenant)
    answer = _client(owner).post(f"/sites/{site.id}/test-submission/", follow=True).content.decode()
    assert "no destination takes it yet" in answer
    from portal.dynamo.users import MEMBER
    from portal.services.accounts.users import portal_user_create

    member = portal_user_create(tenant_id=tenant.id, email="m@first.example", password=PASSWORD, role=MEMBER,
                                actor=owner.email)
    member_client = _client(member)
    assert "Send a test submission" not in member_client.get(f"/sites/{site.id}/").content.decode()
    assert member_client.post(f"/sites/{site.id}/test-submission/").status_code == 403


def test_the_quick_start_walks_key_destination_and_test_submission(ddb, settings):
    settings.DEBUG = True
    tenant, owner = make_tenant()
    site = make_site(tenant)
    client = _client(owner)
    page = client.get(f"/sites/{site.id}/quick-start/").content.decode()
    assert "Add a destination" in page and "/destinations/new/" in page
    assert "add the built-in inspector" in page and f"/sites/{site.id}/test-submission/" in page
    added = client.post("/destinations/new/inspector/", follow=True)
    (inspector,) = destination_list(tenant_id=tenant.id)
    assert added.redirect_chain == [(f"/destinations/{inspector.id}/", 302)]
    assert "/dev/inspector/" in inspector.url
    again = client.get(f"/sites/{site.id}/quick-start/").content.decode()
    assert "add the built-in inspector" not in again and inspector.name in again
    # Deleted, then added again with one click: a new destination, not the deleted one.
    destination_delete(tenant=tenant, actor=owner.email, destination=inspector)
    client.post("/destinations/new/inspector/")
    (revived,) = destination_list(tenant_id=tenant.id)
    assert revived.id != inspector.id


def test_the_inspector_button_does_not_exist_outside_development(ddb, settings):
    settings.DEBUG = False
    settings.DELIVERY_ALLOWED_HOSTS = []
    tenant, owner = make_tenant()
    client = _client(owner)
    assert "add-inspector" not in client.get("/destinations/").content.decode()
    assert client.post("/destinations/new/inspector/").status_code == 404
    assert destination_list(tenant_id=tenant.id) == []
    assert "here http:// also works" not in client.get("/destinations/new/").content.decode()


def test_the_https_rule_says_what_development_allows(ddb, settings):
    settings.DELIVERY_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    tenant, owner = make_tenant()
    page = _client(owner).get("/destinations/new/").content.decode()
    assert "Must start with https://; here http:// also works for 127.0.0.1, localhost" in page
