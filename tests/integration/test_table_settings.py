"""dynamo_migrate applies the environment's table settings (deletion protection, TTL on/off,
PITR) and --check reports drift in them. DynamoDB Local has no point-in-time recovery, so
PITR itself is proven on moto in tests/unit/test_table_settings_pitr.py."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.dynamo.operations import migrate
from portal.dynamo import registry
from portal.dynamo.operations.table_settings import TableSettings
from portal.dynamo.tenants import Tenant


@pytest.fixture
def scratch(ddb):
    registry.configure(prefix="settings-", host=ddb, region="us-east-1")
    migrate.apply(log=lambda line: None)
    yield
    client = Tenant._get_connection().connection.client
    for model in registry.TABLE_MODELS:
        if migrate._describe(model) is not None:
            client.update_table(TableName=model.Meta.table_name, DeletionProtectionEnabled=False)
            model.delete_table()
    registry.configure(prefix="test-", host=ddb, region="us-east-1")


def test_deletion_protection_from_configuration_is_applied_and_checked(scratch, settings, capsys):
    settings.DYNAMODB_DELETION_PROTECTION = True
    with pytest.raises(CommandError, match="16 difference"):
        call_command("dynamo_migrate", "--check")
    assert "settings-tenants: deletion protection off (configured on)" in capsys.readouterr().err

    call_command("dynamo_migrate")
    assert "enabled deletion protection on settings-tenants" in capsys.readouterr().out
    assert migrate._describe(Tenant)["DeletionProtectionEnabled"] is True
    with pytest.raises(Exception, match="deletion protection"):
        Tenant.delete_table()
    call_command("dynamo_migrate", "--check")

    settings.DYNAMODB_DELETION_PROTECTION = None  # unset in development: left as it is
    call_command("dynamo_migrate", "--check")
    settings.DYNAMODB_DELETION_PROTECTION = False
    call_command("dynamo_migrate")
    assert migrate._describe(Tenant)["DeletionProtectionEnabled"] is False


def test_ttl_off_in_configuration_is_reported_then_turned_off(scratch, settings, capsys):
    settings.DYNAMODB_TTL = False
    with pytest.raises(CommandError, match="4 difference"):  # sessions, submissions, audit, deliveries
        call_command("dynamo_migrate", "--check")
    assert "settings-sessions: TTL enabled on expiresAt (configured off)" in capsys.readouterr().err
    call_command("dynamo_migrate")
    assert "disabled TTL on settings-sessions.expiresAt" in capsys.readouterr().out
    assert migrate.find_drift(TableSettings(ttl=False)) == []
    assert "settings-sessions: TTL not enabled on expiresAt" in map(str, migrate.find_drift(TableSettings()))


def test_pitr_wanted_on_an_endpoint_without_it_is_drift_not_silence(scratch):
    problems = [str(d) for d in migrate.find_drift(TableSettings(pitr=True)) if d.table == "settings-tenants"]
    assert problems == ["settings-tenants: point-in-time recovery configured on, but settings-tenants's "
                        "endpoint does not support it"]
    assert migrate.find_drift(TableSettings(pitr=False)) == []
