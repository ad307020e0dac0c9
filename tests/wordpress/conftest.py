"""A real WordPress for the plugin's tests, shared by the whole session. The WordPress tests are
one module (test_wordpress_plugin.py), so `--dist loadfile` runs them all on one worker and
these fixtures start once.

- MariaDB (Debian's mariadb-server) in a temporary data directory, on a private socket with no
  TCP port, stopped by PID.
- WordPress from Debian's `wordpress` package (its files only, extracted by `make test` into
  .cache/wordpress), installed by its own installer (wp_install), on PHP's built-in server on a
  free port, plain permalinks, WP-Cron driven by the tests through wp-cron.php (DISABLE_WP_CRON).
- The Form-Bridge plugin copied in from portal/wordpress/form-bridge and activated; the test-only
  stand-ins of the form plugins as must-use plugins (tests/wordpress/mu-plugins).
- Form-Bridge itself: gunicorn on DynamoDB Local (tests/live_server.py's settings), on a port
  of its own so the outage test can stop and start it.
- A current WordPress with the real Contact Form 7 and Formidable (test_real_form_plugins.py),
  from the shared fixtures (see wordpress_fixtures()), in a database of its own on the same
  MariaDB, started once for that module.

PHP's built-in server forks PHP_CLI_SERVER_WORKERS children that outlive a kill of the parent,
so it runs in a process group of its own and the whole group is stopped.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import tarfile
import time
import zipfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import dynamodb_local
from tests.live_server import start_gunicorn, stop_web

ROOT = Path(__file__).resolve().parents[2]
WORDPRESS_FILES = ROOT / ".cache" / "wordpress" / "root" / "usr" / "share" / "wordpress"
PLUGIN_SOURCE = ROOT / "portal" / "wordpress" / "form-bridge"
MU_PLUGINS = Path(__file__).resolve().parent / "mu-plugins"
ADMIN_USER, ADMIN_PASSWORD = "admin", "wp-admin-password-1"
MYSQLD = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/wordpress/" in str(item.fspath):
            item.add_marker(pytest.mark.wordpress)


def _wait_for(check, *, seconds: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {seconds} s")


def start_php_server(root: Path, port: int, log_path: Path, *, workers: int = 4) -> subprocess.Popen:
    """PHP's built-in server on 127.0.0.1:port, once it answers. It leads a process group of its
    own (start_new_session): its PHP_CLI_SERVER_WORKERS children outlive a kill of the parent,
    so stop_php_server stops the whole group."""
    log = open(log_path, "ab")
    server = subprocess.Popen(["php", "-S", f"127.0.0.1:{port}", "-t", str(root)], cwd=root, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True,
                              env={**os.environ, "PHP_CLI_SERVER_WORKERS": str(workers)})
    log.close()

    def answers():
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/wp-login.php", timeout=2)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    try:
        _wait_for(answers, seconds=60, what="PHP's built-in server", process=server)
    except Exception:
        stop_php_server(server)
        raise
    return server


def process_group_members(pgid: int) -> list[int]:
    """Live processes of a process group (read from /proc; zombies do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop_php_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL to whatever is left after 10 s."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 10
    while process_group_members(server.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if process_group_members(server.pid):
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if server.poll() is None:
        server.wait(timeout=60)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """A private MariaDB: data in a temporary directory, a socket only, stopped by PID."""
    for tool in ("php", "mariadb-install-db"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: run `make test` (installs php-cli, php-mysql, mariadb-server)")
    base = tmp_path_factory.mktemp("mariadb")
    data, socket, pid_file = base / "data", base / "mysqld.sock", base / "mysqld.pid"
    # As root, mysqld refuses to run unless told to; the data directory is then root's.
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--skip-test-db",
                    "--auth-root-authentication-method=normal", *user],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = open(base / "mysqld.log", "wb")
    process = subprocess.Popen(
        [MYSQLD, "--no-defaults", f"--datadir={data}", f"--socket={socket}", f"--pid-file={pid_file}",
         "--skip-networking", "--skip-log-bin", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
         "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve", f"--log-error={base / 'error.log'}", *user],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()

    def answers():
        return subprocess.run(["mariadb", f"--socket={socket}", "-uroot", "-e", "SELECT 1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    try:
        _wait_for(answers, seconds=60, what="MariaDB", process=process)
        subprocess.run(["mariadb", f"--socket={socket}", "-uroot", "-e",
                        "CREATE DATABASE wordpress; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-db-password';"
                        " GRANT ALL ON wordpress.* TO 'wp'@'localhost';"], check=True)
        yield {"socket": str(socket), "database": "wordpress", "user": "wp", "password": "wp-db-password"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _copy_wordpress(target: Path) -> None:
    """The packaged files; Debian links a few bundled libraries (underscore, getID3, CA bundle)
    to its own packages with relative links, which are made absolute here."""
    if not (WORDPRESS_FILES / "wp-load.php").exists():
        pytest.fail(f"WordPress files missing in {WORDPRESS_FILES}: run `make test` (extracts Debian's wordpress)")
    shutil.copytree(WORDPRESS_FILES, target, symlinks=True)
    package_root = WORDPRESS_FILES.parents[2]
    for link in [p for p in target.rglob("*") if p.is_symlink()]:
        original = WORDPRESS_FILES / link.relative_to(target)
        resolved = os.path.normpath(os.path.join(original.parent, os.readlink(link)))
        system_path = "/" + os.path.relpath(resolved, package_root)
        link.unlink()
        os.symlink(system_path, link)


def _wp_config(mariadb: dict, url: str, debug_log: Path, extra: str = "") -> str:
    salts = "\n".join(f"define('{name}', '{secrets.token_hex(32)}');" for name in (
        "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT", "NONCE_SALT"))
    return f"""<?php
define('DB_NAME', '{mariadb["database"]}');
define('DB_USER', '{mariadb["user"]}');
define('DB_PASSWORD', '{mariadb["password"]}');
define('DB_HOST', 'localhost:{mariadb["socket"]}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}
$table_prefix = 'wp_';
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', '{debug_log}');
define('DISABLE_WP_CRON', true);          // the tests run wp-cron.php themselves
define('FS_METHOD', 'direct');            // plugin upload writes to wp-content directly
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);   // no network: only this host (and 127.0.0.1) is reachable
define('WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost');
{extra}
if ( ! defined('ABSPATH') ) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""


class WordPress:
    """The running site: its URL, folders, and a way to run PHP inside it."""

    def __init__(self, *, root: Path, url: str, runner: Path, debug_log: Path):
        self.root, self.url, self.runner, self.debug_log = root, url, runner, debug_log
        self.plugin_dir = root / "wp-content" / "plugins" / "form-bridge"
        self.uploads = root / "wp-content" / "uploads"

    def php(self, code: str, *, timeout: float = 60):
        """Runs PHP after wp-load.php (as WP-CLI would) and returns what it printed as JSON."""
        result = subprocess.run(["php", str(self.runner)], input=code, capture_output=True, text=True,
                                timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"php failed ({result.returncode}): {result.stdout}\n{result.stderr}")
        output = result.stdout.strip()
        return json.loads(output) if output else None

    def request(self, path: str, *, data: dict | None = None, files: dict | None = None,
                headers: dict | None = None, timeout: float = 30) -> tuple[int, str]:
        """An HTTP request to the site (a visitor's form post when data is given)."""
        body, content_type = None, None
        if files:
            boundary = "----standin" + secrets.token_hex(8)
            chunks = []
            for name, value in (data or {}).items():
                for item in value if isinstance(value, list) else [value]:
                    chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'
                                  .encode())
            for name, (filename, content, mime) in files.items():
                chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                              f'\r\nContent-Type: {mime}\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url + path, data=body, method="POST" if body is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def run_cron(self) -> None:
        """WP-Cron as a host's system cron runs it: GET wp-cron.php."""
        status, _ = self.request("/wp-cron.php?doing_wp_cron")
        assert status == 200

    def plugin_errors(self) -> list[str]:
        """PHP notices, warnings and errors WordPress logged that come from the plugin."""
        if not self.debug_log.exists():
            return []
        return [line for line in self.debug_log.read_text(errors="replace").splitlines()
                if "form-bridge" in line.lower() or "form_bridge" in line.lower()]


def create_database(mariadb: dict, name: str) -> dict:
    """Another database on the session's MariaDB, for a second WordPress."""
    subprocess.run(["mariadb", f"--socket={mariadb['socket']}", "-uroot", "-e",
                    f"CREATE DATABASE {name}; GRANT ALL ON {name}.* TO 'wp'@'localhost';"], check=True)
    return {**mariadb, "database": name}


def wordpress_fixtures() -> Path:
    """The shared fixtures (WordPress 6.5.5, Contact Form 7, Formidable): FORM_BRIDGE_WORDPRESS_FIXTURES
    when set, else `shared/fixtures/wordpress` beside the checkout or beside any folder above it
    (the project's machines and CI lay shared/ next to the repository, read-only)."""
    named = os.environ.get("FORM_BRIDGE_WORDPRESS_FIXTURES")
    candidates = [Path(named)] if named else [folder / "shared" / "fixtures" / "wordpress" for folder in ROOT.parents]
    for candidate in candidates:
        if (candidate / "wordpress-6.5.5.zip").exists():
            return candidate
    pytest.fail("The WordPress fixtures (wordpress-6.5.5.zip, contact-form-7-5.9.8.tar.gz, formidable-6.34.tar.gz)"
                f" were not found in {', '.join(str(c) for c in candidates)}: set FORM_BRIDGE_WORDPRESS_FIXTURES")


def unpack_current_wordpress(target: Path, plugins: list[str]) -> None:
    """WordPress 6.5.5 and the named real form plugins, unpacked from the (read-only) fixtures."""
    fixtures = wordpress_fixtures()
    with zipfile.ZipFile(fixtures / "wordpress-6.5.5.zip") as archive:
        archive.extractall(target)
    (target / "wp-config.php").unlink(missing_ok=True)  # WordPress Playground's own
    shutil.rmtree(target / "wp-content" / "database", ignore_errors=True)  # its unused SQLite file
    for name in plugins:
        [archive_path] = fixtures.glob(f"{name}-*.tar.gz")
        with tarfile.open(archive_path) as archive:
            archive.extractall(target / "wp-content" / "plugins", filter="data")


@contextlib.contextmanager
def running_wordpress(*, mariadb: dict, base: Path, lay_files, activate: list[str], mu_plugins: bool,
                      title: str = "Form-Bridge test shop", multisite: bool = False):
    """A WordPress installed by its own installer, Form-Bridge and the given plugins active, on
    PHP's built-in server; stopped (the whole process group) on exit. With multisite, the site
    becomes a network (subdirectories) the way Tools → Network Setup does it, and the plugins
    are network-activated."""
    root = base / "site"
    lay_files(root)
    port = dynamodb_local.free_port()
    url = f"http://127.0.0.1:{port}"
    debug_log = base / "debug.log"
    (root / "wp-config.php").write_text(_wp_config(mariadb, url, debug_log))
    shutil.copytree(PLUGIN_SOURCE, root / "wp-content" / "plugins" / "form-bridge")
    if mu_plugins:
        (root / "wp-content" / "mu-plugins").mkdir()
        for standin in MU_PLUGINS.glob("*.php"):
            shutil.copy(standin, root / "wp-content" / "mu-plugins" / standin.name)
    runner = base / "run.php"
    runner.write_text(f"""<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:{port}';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if ( getenv( 'FB_INSTALLING' ) ) {{ define( 'WP_INSTALLING', true ); }}
require '{root}/wp-load.php';
eval( stream_get_contents( STDIN ) );
""")
    site = WordPress(root=root, url=url, runner=runner, debug_log=debug_log)
    installed = subprocess.run(
        ["php", str(runner)], cwd=root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "FB_INSTALLING": "1"},
        input=f"require_once ABSPATH . 'wp-admin/includes/upgrade.php';"
              f"wp_install('{title}', '{ADMIN_USER}', 'admin@shop.example', false, '', '{ADMIN_PASSWORD}');"
              f"update_option('permalink_structure', '');")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    if multisite:
        host = f"127.0.0.1:{port}"
        result = site.php("require_once ABSPATH . 'wp-admin/includes/upgrade.php'; require_once ABSPATH . 'wp-admin/includes/network.php';"
                          "global $wpdb; foreach ( $wpdb->tables( 'ms_global' ) as $table => $prefixed ) { $wpdb->$table = $prefixed; }"
                          f"install_network(); $r = populate_network( 1, '{host}', 'admin@shop.example', 'Agency network', '/', false );"
                          "echo wp_json_encode( is_wp_error( $r ) ? $r->get_error_message() : 'ok' );")
        assert result == "ok", result
        (root / "wp-config.php").write_text(_wp_config(mariadb, url, debug_log, extra=(
            "define('MULTISITE', true); define('SUBDOMAIN_INSTALL', false);"
            f" define('DOMAIN_CURRENT_SITE', '{host}'); define('PATH_CURRENT_SITE', '/');"
            " define('SITE_ID_CURRENT_SITE', 1); define('BLOG_ID_CURRENT_SITE', 1);")))
    for plugin in [*activate, "form-bridge/form-bridge.php"]:
        result = site.php("require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                          f"$r = activate_plugin('{plugin}', '', {'true' if multisite else 'false'});"
                          " echo wp_json_encode(is_wp_error($r) ? $r->get_error_message() : 'ok');")
        assert result == "ok", f"{plugin}: {result}"
    server = start_php_server(root, port, base / "php-server.log")
    try:
        yield site
    finally:
        stop_php_server(server)


@pytest.fixture(scope="session")
def wordpress(mariadb, tmp_path_factory):
    """Debian's WordPress 6.1.9 (the oldest the plugin supports) with the form plugins' stand-ins."""
    with running_wordpress(mariadb=mariadb, base=tmp_path_factory.mktemp("wordpress"), lay_files=_copy_wordpress,
                           activate=[], mu_plugins=True) as site:
        yield site


class FormBridgeServer:
    """Form-Bridge's web process for the WordPress tests; the outage test stops and restarts it."""

    def __init__(self, env: dict, port: int, log_path: Path):
        self.env, self.port, self.log_path = env, port, log_path
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self) -> None:
        if self.process is None:
            self.process = start_gunicorn(self.env, self.port, self.log_path)
            self._warm_up()

    def _warm_up(self) -> None:
        """A few refused ingests load the ingest code in both workers, so the first real send is
        not also the slowest (the plugin's immediate send waits 3 s at most)."""
        for _ in range(4):
            request = urllib.request.Request(f"{self.url}/api/v1/submissions", data=b"{}", method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError:
                pass

    def stop(self) -> None:
        if self.process is not None:
            stop_web(self.process)
            self.process = None


@pytest.fixture(scope="session")
def formbridge(server_env):
    port = dynamodb_local.free_port()
    # The zips the portal builds carry SITE_URL as the endpoint: this server's own address.
    env = {**server_env, "SITE_URL": f"http://127.0.0.1:{port}"}
    server = FormBridgeServer(env, port, Path(server_env["_WORKDIR"]) / "gunicorn-wordpress.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def connected_site(ddb, wordpress, formbridge):
    """A tenant, its site and key, and the WordPress site configured with them, queue empty."""
    formbridge.start()
    if not wordpress.plugin_dir.exists():  # a failed install test may have left the site without it
        shutil.copytree(PLUGIN_SOURCE, wordpress.plugin_dir)
    return connect(wordpress, formbridge)


def connect(wordpress: "WordPress", formbridge: FormBridgeServer) -> dict:
    """A new tenant, site and key; the WordPress site configured with them, its queue empty."""
    from tests.factories.accounts import make_tenant
    from tests.factories.ingest import make_key, make_site

    tenant, owner = make_tenant(organization="Pixel & Pine Agency")
    site = make_site(tenant, domain="shop.example")
    key, raw_key = make_key(tenant, site)
    wordpress.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
        "if ( ! is_plugin_active( 'form-bridge/form-bridge.php' ) ) { activate_plugin( 'form-bridge/form-bridge.php' ); }"
        f"Form_Bridge_Settings::save_endpoint( '{formbridge.url}' );"
        f"Form_Bridge_Settings::save_api_key( '{raw_key}' );"
        "global $wpdb; $wpdb->query( 'DELETE FROM ' . Form_Bridge_Queue::table() ); echo 1;")
    return {"tenant": tenant, "owner": owner, "site": site, "key": key, "raw_key": raw_key}


class AdminSession:
    """A logged-in wp-admin user over HTTP (cookies, nonces read from the page like a browser)."""

    def __init__(self, wordpress: WordPress, username: str, password: str):
        import http.cookiejar

        self.wordpress = wordpress
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.open("/wp-login.php")  # sets the test cookie
        status, body = self.open("/wp-login.php", {"log": username, "pwd": password, "testcookie": "1",
                                                   "redirect_to": wordpress.url + "/wp-admin/"})
        assert status == 200 and ("wp-admin-bar" in body or "adminmenu" in body), body[:500]

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.wordpress.url + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def settings_page(self) -> str:
        status, body = self.open("/wp-admin/options-general.php?page=form-bridge")
        assert status == 200, body[:500]
        return body

    def post_action(self, action: str, extra: dict | None = None, *, entry: int | None = None) -> str:
        """Submits the page's own form for an action (with its nonce); returns the page after the redirect."""
        import re

        page = self.settings_page()
        pattern = (r'name="action" value="form_bridge_%s">' % action
                   + (r'<input type="hidden" name="entry" value="%d">' % entry if entry else "")
                   + r'<input type="hidden" id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)"')
        match = re.search(pattern, page)
        assert match, f"no {action} form on the page"
        data = {"action": f"form_bridge_{action}", "_wpnonce": match.group(1),
                "_wp_http_referer": "/wp-admin/options-general.php?page=form-bridge", **(extra or {})}
        if entry:
            data["entry"] = str(entry)
        status, body = self.open("/wp-admin/admin-post.php", data)
        assert status == 200, body[:500]
        return body


@pytest.fixture
def wp_admin(wordpress):
    return AdminSession(wordpress, ADMIN_USER, ADMIN_PASSWORD)
