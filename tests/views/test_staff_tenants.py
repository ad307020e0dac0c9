"""Staff console tenant pages: lists, search, detail, lifecycle, edits, invitations."""
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client

from portal.dynamo.tenants import REGISTERED, SUSPENDED, UNVALIDATED, VALIDATED
from portal.dynamo.users import PortalUser
from portal.selectors.access import access_tenant
from portal.selectors.billing.tenants import tenant_get_by_email, tenant_status_counts
from portal.services.billing.tenants import tenant_staff_create
from tests.factories.accounts import make_product, make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.login(username="ops", password="ops-password-123")
    return client


def test_list_by_status_shows_a_count_per_status(ddb, staff):
    make_tenant(status=UNVALIDATED, organization="Waiting Co")
    make_tenant(status=REGISTERED, organization="Paying Co")
    body = staff.get("/staff/tenants/", {"status": UNVALIDATED}).content.decode()
    assert "Waiting Co" in body and "Paying Co" not in body
    assert re.search(r"Unvalidated<span class=\"count\">1</span>", body)
    assert re.search(r"Registered<span class=\"count\">1</span>", body)


def test_find_by_email_opens_the_tenant(ddb, staff):
    tenant, _ = make_tenant(email="find@me.example")
    response = staff.get("/staff/tenants/", {"email": "FIND@me.example"})
    assert response.status_code == 302 and response["Location"] == f"/staff/tenants/{tenant.id}/"


def test_unknown_email_is_a_field_error(ddb, staff):
    body = staff.get("/staff/tenants/", {"email": "nobody@me.example"}).content.decode()
    assert "No tenant has this e-mail address." in body


def test_detail_shows_profile_plan_users_and_zero_usage(ddb, staff):
    product = make_product(name="Agency plan")
    tenant, user = make_tenant(product=product, organization="Detail Co")
    body = staff.get(f"/staff/tenants/{tenant.id}/").content.decode()
    assert "Detail Co" in body and "Agency plan" in body and user.email in body
    assert re.search(r"<dt>Submissions</dt><dd>0 of 1,000</dd>", body)
    assert "No sites yet." in body and "No orders." in body


def test_suspend_with_reason_then_reactivate(ddb, staff):
    tenant, _ = make_tenant(status=VALIDATED)
    staff.post(f"/staff/tenants/{tenant.id}/status/", {"version": tenant.version, "to_status": SUSPENDED,
                                                        "reason": "Chargeback"})
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.status == SUSPENDED and stored.suspensionReason == "Chargeback" and stored.lastUpdatedBy == "ops"
    body = staff.get(f"/staff/tenants/{tenant.id}/").content.decode()
    assert "Chargeback" in body and "tenant.suspend" in body
    staff.post(f"/staff/tenants/{tenant.id}/status/", {"version": stored.version, "to_status": VALIDATED})
    assert access_tenant(tenant_id=tenant.id).status == VALIDATED


def test_suspend_without_reason_re_renders_with_an_error_and_changes_nothing(ddb, staff):
    tenant, _ = make_tenant(status=REGISTERED)
    response = staff.post(f"/staff/tenants/{tenant.id}/status/", {"version": tenant.version, "to_status": SUSPENDED,
                                                                   "reason": "  "})
    assert response.status_code == 200 and "Give a reason for the suspension." in response.content.decode()
    stored = access_tenant(tenant_id=tenant.id)
    assert stored.status == REGISTERED and stored.version == tenant.version


def test_refused_transition_shows_a_clear_message_and_changes_nothing(ddb, staff):
    tenant, _ = make_tenant(status=UNVALIDATED)
    response = staff.post(f"/staff/tenants/{tenant.id}/status/", {"version": tenant.version, "to_status": REGISTERED},
                          follow=True)
    assert "A tenant cannot go from UNVALIDATED to REGISTERED." in response.content.decode()
    assert access_tenant(tenant_id=tenant.id).version == tenant.version


def test_stale_status_form_is_refused(ddb, staff):
    tenant, _ = make_tenant(status=UNVALIDATED)
    staff.post(f"/staff/tenants/{tenant.id}/status/", {"version": tenant.version, "to_status": VALIDATED})
    response = staff.post(f"/staff/tenants/{tenant.id}/status/",
                          {"version": tenant.version, "to_status": SUSPENDED, "reason": "late"}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert access_tenant(tenant_id=tenant.id).status == VALIDATED


def _edit_data(tenant, **changes):
    data = {"version": tenant.version, "organization": tenant.organization, "email": tenant.email,
            "destination_email": "", "product_id": tenant.productId or "", "campaign_code": ""}
    data.update(changes)
    return data


def test_edit_changes_the_email(ddb, staff):
    tenant, _ = make_tenant(email="before@agency.example")
    response = staff.post(f"/staff/tenants/{tenant.id}/edit/", _edit_data(tenant, email="after@agency.example"))
    assert response.status_code == 302
    assert tenant_get_by_email(email="after@agency.example").id == tenant.id


def test_invalid_edit_shows_field_errors_and_changes_nothing(ddb, staff):
    make_tenant(email="taken@agency.example")
    tenant, _ = make_tenant(email="mine@agency.example", organization="Mine")
    for changes, error in [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"organization": ""}, "This field is required."),
        ({"email": "taken@agency.example"}, "already used by another account"),
        ({"campaign_code": "NOPE-404"}, "No active campaign has that code."),
        ({"product_id": "gone"}, "Select a valid choice"),
    ]:
        response = staff.post(f"/staff/tenants/{tenant.id}/edit/", _edit_data(tenant, **changes))
        assert response.status_code == 200 and error in response.content.decode(), changes
    stored = access_tenant(tenant_id=tenant.id)
    assert (stored.email, stored.organization, stored.version) == ("mine@agency.example", "Mine", tenant.version)


def test_stale_edit_is_refused(ddb, staff):
    tenant, _ = make_tenant(organization="Start")
    staff.post(f"/staff/tenants/{tenant.id}/edit/", _edit_data(tenant, organization="First"))
    second = staff.post(f"/staff/tenants/{tenant.id}/edit/", _edit_data(tenant, organization="Second"))
    assert "changed by someone else" in second.content.decode()
    assert access_tenant(tenant_id=tenant.id).organization == "First"


def test_staff_creates_a_tenant_and_the_owner_sets_a_password_from_the_invitation(ddb, staff):
    product = make_product()
    response = staff.post("/staff/tenants/new/", {"organization": "Invited Co", "email": "owner@invited.example",
                                                  "owner_name": "Olga", "product_id": product.id, "status": UNVALIDATED})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@invited.example"]
    path = re.search(r"https?://[^/\s]+(/invite/\S+/)", mail.outbox[0].body).group(1)
    visitor = Client()
    assert "Set your password" in visitor.get(path, follow=True).content.decode()
    mismatch = visitor.post(path, {"password": "a-good-password-77", "password_again": "another-one-88"})
    assert mismatch.status_code == 200 and "The two passwords do not match." in mismatch.content.decode()
    assert PortalUser.lookup_for_login("owner@invited.example").passwordHash == "!"
    done = visitor.post(path, {"password": "a-good-password-77", "password_again": "a-good-password-77"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert check_password("a-good-password-77", PortalUser.lookup_for_login("owner@invited.example").passwordHash)
    assert visitor.get(path).status_code == 404
    assert visitor.post("/login/",
                        {"email": "owner@invited.example", "password": "a-good-password-77"}).status_code == 302


def test_invalid_create_writes_nothing_and_sends_nothing(ddb, staff):
    make_tenant(email="taken@agency.example", status=REGISTERED)
    for changes, error in [
        ({"email": "nope"}, "Enter a valid email address."),
        ({"organization": ""}, "This field is required."),
        ({"status": SUSPENDED}, "Select a valid choice"),
        ({"email": "taken@agency.example"}, "already used by another account"),
        ({"campaign_code": "NOPE-404"}, "No active campaign has that code."),
    ]:
        data = {"organization": "New Co", "email": "new@agency.example", "owner_name": "", "product_id": "",
                "status": UNVALIDATED, **changes}
        response = staff.post("/staff/tenants/new/", data)
        assert response.status_code == 200 and error in response.content.decode(), changes
    assert mail.outbox == [] and tenant_status_counts()[UNVALIDATED] == 0
    assert PortalUser.lookup_for_login("new@agency.example") is None


def test_delete_and_restore(ddb, staff):
    tenant, _ = make_tenant()
    staff.post(f"/staff/tenants/{tenant.id}/delete/", {"version": tenant.version})
    assert access_tenant(tenant_id=tenant.id).active is False
    assert "This tenant is deleted" in staff.get(f"/staff/tenants/{tenant.id}/").content.decode()
    staff.post(f"/staff/tenants/{tenant.id}/restore/", {"version": tenant.version + 1})
    assert access_tenant(tenant_id=tenant.id).active is True
    trail = staff.get(f"/staff/tenants/{tenant.id}/audit/").content.decode()
    assert "tenant.delete" in trail and "tenant.restore" in trail and "ops" in trail


def test_whole_console_audit_lists_staff_writes(ddb, staff):
    tenant_staff_create(actor="ops", email="x@y.example", organization="Audited")
    body = staff.get("/staff/audit/").content.decode()
    assert "tenant.create" in body and "user.invite" in body


def test_invalid_invitation_link_is_a_clear_404(ddb):
    response = Client().get("/invite/forged-token/")
    assert response.status_code == 404 and "invalid, has expired or has already been used" in response.content.decode()


def test_tenant_page_pages_through_its_users_with_their_own_signed_cursor(ddb, staff):
    from portal.services.accounts.users import portal_user_create

    tenant, owner = make_tenant()
    for n in range(26):
        portal_user_create(tenant_id=tenant.id, email=f"member{n:02d}@agency.example", password=None, actor="tests")

    def users_shown(body):
        section = body.split("<h2>Users</h2>", 1)[1].split("<h2>Sites</h2>", 1)[0]
        return re.findall(r"<tr><td>([^<]+@[^<]+)</td>", section), section

    first, section = users_shown(staff.get(f"/staff/tenants/{tenant.id}/").content.decode())
    cursor = re.search(r'href="\?users_cursor=([^"]+)"', section)
    assert len(first) == 25 and cursor, "the users list should link to its next page"
    second, _ = users_shown(staff.get(f"/staff/tenants/{tenant.id}/?users_cursor={cursor.group(1)}").content.decode())
    assert len(second) == 2 and not set(first) & set(second)
    assert set(first) | set(second) == {owner.email} | {f"member{n:02d}@agency.example" for n in range(26)}
    # Another list's cursor is refused with a message and that list's first page.
    forged = staff.get(f"/staff/tenants/{tenant.id}/?sites_cursor={cursor.group(1)}").content.decode()
    assert "not valid here" in forged
