"""Point-in-time recovery from configuration, on moto (DynamoDB Local has no PITR API), and
the production defaults of the settings."""
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from portal.dynamo.operations import migrate
from portal.dynamo.operations.table_settings import TableSettings, pitr_status
from portal.dynamo.tenants import Tenant

ROOT = Path(__file__).resolve().parents[2]


def test_pitr_is_turned_on_then_checked_then_off(moto_ddb):
    assert pitr_status(Tenant) is False
    assert "unit-tenants: point-in-time recovery off (configured on)" in map(str, migrate.find_drift(TableSettings(pitr=True)))
    changes = migrate.apply(log=lambda line: None, wanted=TableSettings(pitr=True))
    assert "enabled point-in-time recovery on unit-tenants" in changes
    assert pitr_status(Tenant) is True
    assert migrate.find_drift(TableSettings(pitr=True)) == []
    assert migrate.apply(log=lambda line: None, wanted=TableSettings(pitr=True)) == []
    assert "disabled point-in-time recovery on unit-tenants" in migrate.apply(log=lambda line: None,
                                                                              wanted=TableSettings(pitr=False))


def _setting(expr, **env):
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DYNAMODB_PITR", "DYNAMODB_DELETION", "DJANGO_"))}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**base, "DJANGO_SETTINGS_MODULE": "formbridge.settings", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_defaults_to_pitr_and_deletion_protection_on_development_leaves_tables_alone():
    expr = "settings.DYNAMODB_PITR, settings.DYNAMODB_DELETION_PROTECTION, settings.DYNAMODB_TTL"
    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50,
                  "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    assert _setting(expr, **production) == "True True True"
    assert _setting(expr, DJANGO_DEBUG="true") == "None None True"
    assert _setting(expr, **production, DYNAMODB_PITR="off") == "False True True"
