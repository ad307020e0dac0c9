"""The WordPress plugin as a zip, built in memory from portal/wordpress/form-bridge/.

The plain zip (quick-start page) carries the endpoint only. The zip offered right after a key
was created also carries that key: it is built from the raw key the browser posts back, which
must hash to the key just created in this session, so the secret is never stored to build it."""
from __future__ import annotations

import hmac
import io
import zipfile
from datetime import timedelta
from pathlib import Path

from portal.dynamo.api_keys import ApiKey
from portal.dynamo.base import utcnow
from portal.errors import NotFound

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "wordpress" / "form-bridge"
ZIP_ROOT = "form-bridge"
CONFIG_NAME = "preconfigured.php"  # read once on activation, then deleted by the plugin
# The configured zip is offered only on the page that shows the new key, for this long.
CONFIGURED_ZIP_WINDOW = timedelta(minutes=15)
# Fixed timestamps: the same sources give the same bytes (cacheable, comparable in tests).
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _php_string(value: str) -> str:
    """A single-quoted PHP string literal (only \\ and ' are special inside one)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _config_php(*, endpoint: str, api_key: str | None) -> str:
    lines = ["<?php", "// Written by the Form-Bridge portal; the plugin imports it on activation and deletes it.",
             "if ( ! defined( 'ABSPATH' ) ) {", "\texit;", "}", "return array(",
             f"\t'endpoint' => {_php_string(endpoint)},"]
    if api_key:
        lines.append(f"\t'api_key'  => {_php_string(api_key)},")
    lines += [");", ""]
    return "\n".join(lines)


def plugin_source_files() -> list[Path]:
    """Every file of the plugin, in a stable order (hidden files and caches left out)."""
    return sorted(path for path in PLUGIN_DIR.rglob("*")
                  if path.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                                for part in path.relative_to(PLUGIN_DIR).parts))


def plugin_zip(*, endpoint: str, api_key: str | None = None) -> bytes:
    """The plugin folder as `form-bridge/...` in a zip, with a config file for the endpoint (and key)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in plugin_source_files():
            if path.name == CONFIG_NAME:
                continue  # a developer's own copy never ships
            info = zipfile.ZipInfo(f"{ZIP_ROOT}/{path.relative_to(PLUGIN_DIR).as_posix()}", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
        info = zipfile.ZipInfo(f"{ZIP_ROOT}/{CONFIG_NAME}", _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        archive.writestr(info, _config_php(endpoint=endpoint, api_key=api_key))
    return buffer.getvalue()


def configured_plugin_zip(*, key: ApiKey, raw_key: str, endpoint: str, now=None) -> bytes:
    """The zip with the new key, only while the key is fresh and the posted raw key is that key.
    Anything else is NotFound (the same answer as a key that is not the tenant's)."""
    now = now or utcnow()
    matches = hmac.compare_digest(ApiKey.hash_key_material(raw_key or ""), key.keyHash)
    if not matches or not key.active or key.revokedAt is not None or now - key.dateCreated > CONFIGURED_ZIP_WINDOW:
        raise NotFound("This download is offered only right after the key was created.")
    return plugin_zip(endpoint=endpoint, api_key=raw_key)
