"""`php -l` on every PHP file of the plugin and of the test stand-ins, and PHPCS with the basic
ruleset in portal/wordpress/phpcs.xml (Debian's php-codesniffer; the WordPress Coding Standards
are not packaged)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOT = ROOT / "portal" / "wordpress"
PHP_FILES = sorted(PLUGIN_ROOT.rglob("*.php")) + sorted((Path(__file__).parent / "mu-plugins").glob("*.php"))


def test_every_php_file_passes_php_lint():
    if not shutil.which("php"):
        pytest.fail("php is missing: run `make test` (installs php-cli)")
    assert len(PHP_FILES) >= 10
    failures = []
    for path in PHP_FILES:
        result = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            failures.append(result.stdout + result.stderr)
    assert failures == []


def test_plugin_passes_phpcs_basic_ruleset(tmp_path):
    if not shutil.which("phpcs"):
        pytest.skip("Debian's php-codesniffer is not installed (make test installs it when available)")
    result = subprocess.run(["phpcs", "--standard=phpcs.xml", "-q", "--report=summary"], cwd=PLUGIN_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # The ruleset does find what it forbids (so a silent pass above means something).
    bad = tmp_path / "bad.php"
    bad.write_text("<?php\n$list = [ 1, 2 ];\neval( 'x' );\n")
    flagged = subprocess.run(["phpcs", f"--standard={PLUGIN_ROOT / 'phpcs.xml'}", "-q", str(bad)],
                             capture_output=True, text=True)
    assert flagged.returncode != 0 and "Short array syntax" in flagged.stdout and "eval" in flagged.stdout
