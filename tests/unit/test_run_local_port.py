"""`make run` honours PORT (the port it serves on and the links it prints and e-mails) and
refuses a busy port with a message naming the setting to change."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def test_a_busy_port_is_refused_with_the_setting_to_change(settings):
    settings.DEBUG = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as refused:
            call_command("run_local", bind=f"127.0.0.1:{port}")
    assert f"Port {port}" in str(refused.value) and "PORT=8100 make run" in str(refused.value)


def _in_settings(expression: str, **env) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL")}
    return subprocess.run([sys.executable, "-c", code], env={**clean, "DJANGO_SETTINGS_MODULE": "formbridge.settings",
                                                           "DJANGO_DEBUG": "true", **env},
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def test_port_sets_where_make_run_serves_and_the_links_it_makes():
    assert _in_settings("settings.SITE_URL", PORT="8100") == "http://127.0.0.1:8100"
    assert _in_settings("settings.SITE_URL") == "http://127.0.0.1:8000"
    assert _in_settings("settings.SITE_URL", PORT="8100", SITE_URL="https://forms.example") == "https://forms.example"
    code = ("import os; os.environ['PORT'] = '8100'; import django; django.setup(); "
            "from portal.management.commands.run_local import Command; import argparse; "
            "p = argparse.ArgumentParser(); Command().add_arguments(p); print(p.parse_args([]).bind)")
    clean = {k: v for k, v in os.environ.items() if k != "PORT"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, "DJANGO_SETTINGS_MODULE": "formbridge.settings",
                                                          "DJANGO_DEBUG": "true"},
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert out == "127.0.0.1:8100"
