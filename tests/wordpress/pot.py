"""The plugin's translation template, languages/form-bridge.pot, made with GNU xgettext (Debian's
gettext) from every PHP file of the plugin. `make wordpress-pot` rewrites it; a test checks it is
current."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "portal" / "wordpress" / "form-bridge"
POT = PLUGIN / "languages" / "form-bridge.pot"
# WordPress's translation functions: text, plural, context ("c"), as WP-CLI's make-pot reads them.
KEYWORDS = ["__", "_e", "esc_html__", "esc_html_e", "esc_attr__", "esc_attr_e", "_n:1,2", "_x:1,2c",
            "_ex:1,2c", "esc_html_x:1,2c", "esc_attr_x:1,2c", "_n_noop:1,2", "_nx:1,2,4c"]


def make_pot() -> str:
    files = sorted(str(path.relative_to(PLUGIN)) for path in PLUGIN.rglob("*.php") if path.name != "preconfigured.php")
    result = subprocess.run(
        ["xgettext", "--language=PHP", "--from-code=UTF-8", "--sort-by-file", "--add-comments=translators:",
         "--package-name=Form-Bridge", "--package-version=" + _version(), "--msgid-bugs-address=",
         "--no-wrap", "--omit-header", "--output=-", *[f"--keyword={k}" for k in KEYWORDS], *files],
        cwd=PLUGIN, capture_output=True, text=True, check=True)
    header = ('# Translation template of the Form-Bridge WordPress plugin.\n'
              '# This file is distributed under the same license as the plugin (GPL-2.0-or-later).\n'
              'msgid ""\nmsgstr ""\n'
              f'"Project-Id-Version: Form-Bridge {_version()}\\n"\n'
              '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
              '"Content-Transfer-Encoding: 8bit\\n"\n"X-Domain: form-bridge\\n"\n\n')
    return header + result.stdout


def _version() -> str:
    for line in (PLUGIN / "form-bridge.php").read_text().splitlines():
        if line.strip().startswith("* Version:"):
            return line.split(":", 1)[1].strip()
    raise ValueError("no Version header in form-bridge.php")


if __name__ == "__main__":
    POT.parent.mkdir(exist_ok=True)
    POT.write_text(make_pot())
    print(f"wrote {POT}", file=sys.stderr)
