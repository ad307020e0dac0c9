"""Commands as an operator runs them: subprocesses with a real environment."""
import os
import subprocess
import sys
from pathlib import Path

from portal import dynamodb_local

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env=None):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "formbridge.settings", "DJANGO_DEBUG": "true",
                               **(env or {})}, timeout=120)


def test_unreachable_endpoint_is_one_clear_line_not_a_traceback():
    port = dynamodb_local.free_port()  # nothing listens there
    result = _manage("dynamo_migrate", env={"DYNAMODB_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DYNAMODB_ENDPOINT_URL" in lines[0] and str(port) in lines[0]


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "DJANGO_ALLOWED_HOSTS": "forms.example.com", "SITE_URL": "https://forms.example.com",
        "FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LXRlc3Qta2V5LTAxMjM0NTY3ODk=",
    })
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_seed_demo_is_idempotent(ddb, tmp_path):
    env = {"DYNAMODB_ENDPOINT_URL": ddb, "DYNAMODB_TABLE_PREFIX": "test-",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}"}
    assert _manage("migrate", "--noinput", "-v0", env=env).returncode == 0
    first = _manage("seed_demo", env=env)
    assert first.returncode == 0, first.stderr
    from portal.dynamo.products import Product
    from portal.dynamo.submissions import Submission
    from portal.dynamo.tenants import Tenant
    from portal.dynamo.users import PortalUser

    def counts():
        return (len(list(Product.scan())), len(list(Tenant.scan(Tenant.sk == "METADATA"))),
                len(list(PortalUser._unscoped_scan())), len(list(Submission._unscoped_scan())))

    after_first = counts()
    assert after_first == (3, 2, 3, 60)
    assert _manage("seed_demo", env=env).returncode == 0
    assert counts() == after_first
    assert "password 'formbridge-staff'" in first.stdout
    # DEBUG's demo site is verified (its domain is not real), so its browser form works.
    from portal.dynamo.sites import Site

    assert [site.verified for site in Site.claims_of_domain("northwind.example")] == [True]


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, env={
        **env, "DJANGO_SETTINGS_MODULE": "formbridge.settings", "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "forms.example.com"}, timeout=60)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
