"""The demo destination's loopback URL is reachable in DEBUG only: settings as a process loads
them (DEBUG on adds SITE_URL's host to DELIVERY_ALLOWED_HOSTS; DEBUG off allows nothing, so
the sender's guard refuses the inspector URL)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
from portal.delivery.sender import AddressRefused, url_target
try:
    url_target(settings.SITE_URL + "/dev/inspector/T-abc/")
    refused = None
except AddressRefused as error:
    refused = str(error)
print(json.dumps({"allowed": settings.DELIVERY_ALLOWED_HOSTS, "refused": refused}))
"""


def _settings(**env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("DELIVERY_ALLOWED_HOSTS", "SITE_URL")}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, env={
        **base, "DJANGO_SETTINGS_MODULE": "formbridge.settings", "DJANGO_SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LXRlc3Qta2V5LTAxMjM0NTY3ODk=", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_allows_the_site_url_host_so_the_demo_destination_is_valid():
    loaded = _settings(DJANGO_DEBUG="true", SITE_URL="http://devbox.local:8000")
    assert "devbox.local" in loaded["allowed"] and loaded["refused"] is None
    assert _settings(DJANGO_DEBUG="true")["refused"] is None  # the default http://127.0.0.1:8000


def test_production_never_reaches_the_inspector_url():
    for site_url in ("http://127.0.0.1:8000", "https://forms.example.com"):
        loaded = _settings(DJANGO_DEBUG="false", SITE_URL=site_url, DJANGO_ALLOWED_HOSTS="forms.example.com")
        assert loaded["allowed"] == []
    assert "https://" in _settings(DJANGO_DEBUG="false", SITE_URL="http://127.0.0.1:8000",
                                   DJANGO_ALLOWED_HOSTS="forms.example.com")["refused"]
