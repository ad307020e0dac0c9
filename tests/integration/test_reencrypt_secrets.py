"""`manage.py reencrypt_secrets` moves every encrypted value to the newest key, so an old key
can be removed; it is idempotent and says clearly when a needed key is already gone."""
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from portal.crypto import field_decrypt
from portal.dynamo.destinations import Destination
from portal.dynamo.users import PortalUser
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import destination_secret_reveal, destination_secret_rotate
from tests.factories.accounts import make_tenant
from tests.factories.delivery import make_destination

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
# The command reads staff accounts' two-factor secrets from SQL too.
pytestmark = pytest.mark.django_db


def _stored(destination):
    return next(d for d in Destination.every_tenants() if d.id == destination.id)


def test_rotation_procedure_old_key_can_be_removed_after_reencrypting(ddb, capsys):
    tenant, owner = make_tenant()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        destination = make_destination(tenant, owner)
        before = destination_secret_reveal(tenant=tenant, actor="t", destination=destination)
        destination_secret_rotate(tenant=tenant, actor="t", destination=access_destination(tenant=tenant, destination_id=destination.id))
        current = destination_secret_reveal(tenant=tenant, actor="t", destination=_stored(destination))
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("reencrypt_secrets")
        assert "re-encrypted 1" in capsys.readouterr().out
        call_command("reencrypt_secrets")
        assert "re-encrypted 0" in capsys.readouterr().out
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key is gone
        stored = _stored(destination)
        assert field_decrypt(stored.secretEncrypted) == current
        assert [field_decrypt(p.secretEncrypted) for p in stored.previousSecrets] == [before]


def test_a_key_removed_too_early_is_a_clear_error(ddb):
    tenant, owner = make_tenant()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        make_destination(tenant, owner)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]), pytest.raises(CommandError, match="Put the old key back"):
        call_command("reencrypt_secrets")


def test_dry_run_writes_nothing(ddb, capsys):
    tenant, owner = make_tenant()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        destination = make_destination(tenant, owner)
    stored_before = _stored(destination).secretEncrypted
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("reencrypt_secrets", "--dry-run")
    assert "would re-encrypt 1" in capsys.readouterr().out
    assert _stored(destination).secretEncrypted == stored_before


def test_two_factor_and_captcha_secrets_are_reencrypted(ddb, capsys, django_user_model):
    from portal.models import StaffTwoFactor
    from portal.selectors.access import access_site
    from portal.services.sites.site_protection import site_protection_update
    from portal.services.accounts.staff_two_factor import staff_enrol_secret
    from portal.services.accounts.two_factor import user_enrol_secret
    from tests.factories.ingest import make_site

    tenant, owner = make_tenant()
    staff = django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        user_secret = user_enrol_secret(user=owner)
        staff_secret = staff_enrol_secret(user=staff)
        site = site_protection_update(tenant=tenant, actor="t", site=make_site(tenant), captcha_provider="turnstile",
                                      captcha_site_key="0x4AAA", captcha_secret="captcha-secret-1",
                                      captcha_min_score=0.5, browser_daily_cap=None)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("reencrypt_secrets")
        assert "Checked 3 item(s) with secrets; re-encrypted 3." in capsys.readouterr().out
        call_command("reencrypt_secrets")
        assert "re-encrypted 0" in capsys.readouterr().out
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        stored = PortalUser.lookup_for_login(owner.email)
        assert field_decrypt(stored.totpPendingEncrypted) == user_secret
        assert field_decrypt(StaffTwoFactor.objects.get(user=staff).pending_encrypted) == staff_secret
        assert field_decrypt(access_site(tenant=tenant, site_id=site.id).captchaSecretEncrypted) == "captcha-secret-1"


def test_an_integrations_credentials_move_to_the_new_key_too(ddb, capsys):
    tenant, owner = make_tenant()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        destination = make_destination(tenant, owner, type="HUBSPOT", url=None,
                                       integration={"token": "pat-na1-0123456789abcdef"})
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("reencrypt_secrets")
        assert "re-encrypted 1" in capsys.readouterr().out
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key is gone
        assert "pat-na1-0123456789abcdef" in field_decrypt(_stored(destination).credentialsEncrypted)
