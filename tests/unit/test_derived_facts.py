"""Facts derived from a model's fields live on the model, so views, services and templates
ask the model instead of re-deriving them."""
import pytest

from portal.dynamo.tenants import REGISTERED, SUSPENDED, UNVALIDATED, VALIDATED, Tenant
from portal.dynamo.users import PortalUser


@pytest.mark.parametrize("status, before, expected", [
    (UNVALIDATED, None, (VALIDATED, SUSPENDED)),
    (VALIDATED, None, (REGISTERED, SUSPENDED)),
    (REGISTERED, None, (SUSPENDED,)),
    (SUSPENDED, VALIDATED, (VALIDATED,)),
    (SUSPENDED, None, (UNVALIDATED,)),
])
def test_next_statuses_follow_the_lifecycle(status, before, expected):
    assert Tenant(status=status, statusBeforeSuspension=before).next_statuses == expected


def test_only_a_live_unsuspended_tenant_accepts_submissions_and_a_suspended_one_is_read_only():
    assert Tenant(status=REGISTERED, active=True).accepts_submissions
    assert not Tenant(status=REGISTERED, active=False).accepts_submissions
    suspended = Tenant(status=SUSPENDED, active=True)
    assert not suspended.accepts_submissions and suspended.read_only
    assert not Tenant(status=UNVALIDATED, active=True).read_only


def test_a_user_without_a_password_is_invited():
    assert PortalUser(email="a@b.example", tenantId="T").is_invited
    assert not PortalUser(email="a@b.example", tenantId="T", passwordHash="pbkdf2_sha256$x").is_invited
