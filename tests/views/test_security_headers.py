"""Every page carries a Content-Security-Policy without inline script or style, and a
Permissions-Policy; templates use no inline script, style attribute or event handler."""
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories.accounts import PASSWORD, make_tenant

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Real tags only: the quick-start page shows an escaped snippet (&lt;input style=...) for the
# customer's own site, which is text on our page.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|<[a-z][^>]*\s(?:style|on[a-z]+)=\"", re.IGNORECASE)


def _assert_policies(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and directives["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/login/", "/pricing/", "/checkout/", "/staff/login/", "/no-such-page/"])
def test_public_pages_carry_both_policies(ddb, path):
    _assert_policies(Client().get(path))


def test_portal_pages_carry_both_policies(ddb):
    tenant, user = make_tenant()
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 200
    _assert_policies(response)


def test_no_page_template_has_inline_script_or_style():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in TEMPLATES.rglob("*.html") if "emails" not in path.parts  # mail is not a page
        for match in INLINE.finditer(path.read_text())
    ]
    assert offenders == []
