"""PHP's built-in server as the WordPress tests run it: stopping it leaves no `php -S` behind
(its PHP_CLI_SERVER_WORKERS children outlive a kill of the parent process alone)."""
import shutil
import urllib.request
from pathlib import Path

import pytest

from portal import dynamodb_local
from tests.wordpress.conftest import start_php_server, stop_php_server


def _php_servers_on(port: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"-S" in argv and f"127.0.0.1:{port}".encode() in argv and state != "Z":
            found.append(int(entry.name))
    return found


def test_stopping_the_php_server_leaves_none_of_its_workers(tmp_path):
    if not shutil.which("php"):
        pytest.fail("php is missing: run `make test` (installs php-cli)")
    (tmp_path / "wp-login.php").write_text("<?php echo getmypid();")
    port = dynamodb_local.free_port()
    server = start_php_server(tmp_path, port, tmp_path / "server.log", workers=3)
    # Several requests, so the workers are busy and forked for real.
    answered_by = {urllib.request.urlopen(f"http://127.0.0.1:{port}/wp-login.php", timeout=10).read()
                   for _ in range(6)}
    assert answered_by and len(_php_servers_on(port)) == 4  # the parent and its 3 workers
    stop_php_server(server)
    assert _php_servers_on(port) == []
