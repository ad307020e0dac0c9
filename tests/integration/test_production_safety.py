"""Defaults fail closed: production settings as an operator runs them (subprocesses with a real
environment, formbridge.settings, no DJANGO_DEBUG unless a test sets it)."""
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.contrib.auth.hashers import check_password

from formbridge.settings import DEV_FIELD_ENCRYPTION_KEY, DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DJANGO_ALLOWED_HOSTS": "forms.example.com", "SITE_URL": "https://forms.example.com",
}
_UNSET = ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "TRUSTED_PROXY_HOPS",
          "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "STATIC_ROOT")


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in _UNSET}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**base, "DJANGO_SETTINGS_MODULE": "formbridge.settings", **env}, timeout=120)


def _settings(names, env):
    code = "from django.conf import settings; " + "; ".join(f"print(repr(getattr(settings, {n!r}, None)))" for n in names)
    result = _manage("shell", "-v", "0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return [eval(line) for line in result.stdout.strip().splitlines()]  # noqa: S307 (our own reprs)


def test_debug_is_off_without_the_variable_and_hsts_subdomains_and_proxy_trust_are_opt_in():
    debug, subdomains, preload, hsts, proxy_header, hops = _settings(
        ["DEBUG", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_HSTS_SECONDS",
         "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_HOPS"], env=PRODUCTION)
    assert debug is False
    (overrides_allowed,) = _settings(["INTEGRATION_OVERRIDES_ALLOWED"], env=PRODUCTION)
    assert overrides_allowed is False  # integrations always call the vendors' real hosts
    assert hsts == 31536000 and subdomains is False and preload is False
    assert proxy_header is None and hops == 0


def test_proxy_ssl_header_is_believed_only_with_trusted_hops_and_hsts_options_can_be_chosen():
    proxy_header, subdomains, preload = _settings(
        ["SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"],
        env={**PRODUCTION, "TRUSTED_PROXY_HOPS": "1", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
             "SECURE_HSTS_PRELOAD": "true"})
    assert proxy_header == ("HTTP_X_FORWARDED_PROTO", "https")
    assert subdomains is True and preload is True


def test_production_settings_refuse_to_start_without_field_encryption_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_check_deploy_passes_with_production_secrets():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_and_every_command_refuse_the_development_field_key():
    env = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{DEV_FIELD_ENCRYPTION_KEY}"}
    deploy = _manage("check", "--deploy", env=env)
    plain = _manage("check", env=env)
    for result in (deploy, plain):
        assert result.returncode != 0
        assert "formbridge.E001" in result.stderr and "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_check_deploy_refuses_the_development_secret_key_even_with_debug_on():
    result = _manage("check", "--deploy", env={**PRODUCTION, "DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": DEV_SECRET_KEY})
    assert result.returncode != 0
    assert "formbridge.E001" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_collectstatic_gives_hashed_compressed_names(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path)}
    collected = _manage("collectstatic", "--noinput", "-v0", env=env)
    assert collected.returncode == 0, collected.stderr
    result = _manage("shell", "-v", "0", "-c", "from django.templatetags.static import static; print(static('css/app.css'))", env=env)
    assert result.returncode == 0, result.stderr
    name = result.stdout.strip().rsplit("/", 1)[1]
    assert name.startswith("app.") and name.endswith(".css") and len(name) > len("app.css") + 8
    assert (tmp_path / "css" / f"{name}.gz").exists()


def test_seed_demo_refuses_with_debug_off(tmp_path):
    result = _manage("seed_demo", env={**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG=true" in result.stderr


def test_seed_demo_forced_outside_debug_creates_no_staff_and_no_known_password(ddb, tmp_path):
    env = {**PRODUCTION, "DYNAMODB_ENDPOINT_URL": ddb, "DYNAMODB_TABLE_PREFIX": "test-",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}"}
    assert _manage("migrate", "--noinput", "-v0", env=env).returncode == 0
    result = _manage("seed_demo", "--force", env=env)
    assert result.returncode == 0, result.stderr
    assert "formbridge-staff" not in result.stdout and "formbridge-demo" not in result.stdout
    staff = _manage("shell", "-v", "0", "-c", "from django.contrib.auth import get_user_model; print(get_user_model().objects.count())", env=env)
    assert staff.stdout.strip() == "0"
    from portal.dynamo.users import PortalUser

    owner = PortalUser.lookup_for_login("owner@northwind.example")
    assert owner is not None and not check_password("formbridge-demo", owner.passwordHash)
