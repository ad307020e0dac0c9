"""Password reset by e-mail: signed, expiring, single use; the same (silent) answer for
unknown addresses."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail

from portal.dynamo.users import PortalUser
from portal.selectors.access import access_tenant
from portal.services.accounts import password_reset
from portal.services.accounts.password_reset import ResetInvalid, password_reset_confirm, password_reset_request
from portal.services.billing.tenants import tenant_delete
from tests.factories.accounts import make_tenant, stored_items

NEW = "a-fresh-password-77"


def _token() -> str:
    return re.search(r"/password-reset/([^/\s]+)/", mail.outbox[-1].body).group(1)


def test_a_known_email_gets_a_link_that_sets_a_new_password_once(ddb):
    tenant, user = make_tenant(email="forgot@agency.example")
    password_reset_request(email="Forgot@Agency.example")
    assert mail.outbox[-1].to == ["forgot@agency.example"]
    token = _token()
    password_reset_confirm(token=token, password=NEW)
    assert check_password(NEW, PortalUser.lookup_for_login(user.email).passwordHash)
    with pytest.raises(ResetInvalid):
        password_reset_confirm(token=token, password="yet-another-one-88")
    assert check_password(NEW, PortalUser.lookup_for_login(user.email).passwordHash)


def test_an_unknown_email_gets_no_mail_and_no_error(ddb):
    before = stored_items()
    assert password_reset_request(email="nobody@nowhere.example") is None
    assert mail.outbox == [] and stored_items() == before


def test_a_closed_account_gets_no_mail(ddb):
    tenant, user = make_tenant()
    tenant_delete(tenant=access_tenant(tenant_id=tenant.id), actor="staff")
    password_reset_request(email=user.email)
    assert mail.outbox == []


def test_an_expired_link_changes_nothing(ddb, monkeypatch):
    tenant, user = make_tenant()
    password_reset_request(email=user.email)
    monkeypatch.setattr(password_reset, "RESET_MAX_AGE", timedelta(seconds=-1))
    before = stored_items()
    with pytest.raises(ResetInvalid):
        password_reset_confirm(token=_token(), password=NEW)
    assert stored_items() == before


def test_requests_are_rate_limited_per_address(ddb):
    tenant, user = make_tenant()
    for _ in range(password_reset.REQUEST_LIMIT + 2):
        password_reset_request(email=user.email)
    assert len(mail.outbox) == password_reset.REQUEST_LIMIT
