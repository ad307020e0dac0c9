"""The agency's brand on what its clients see (an uploaded logo, checked by its bytes, served
with nosniff), and usage per site on the sites page from the day counters."""
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.dynamo.tenants import Tenant
from portal.dynamo.users import CLIENT
from portal.services.submissions import submission_mark_spam
from portal.selectors.access import access_submission
from portal.services.accounts.team import team_invite
from portal.services.billing.tenants import invitation_accept, invitation_token
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.ingest import make_site, make_submission


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _client(email):
    client = Client()
    assert client.post("/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Uploads and logos of this test alone, laid out as on the local disk (logos in brand/)."""
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
        "brand": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": str(tmp_path / "brand")}}}
    return tmp_path


def test_a_client_sees_the_agency_brand_and_its_logo(ddb, media):
    tenant, owner = make_tenant(organization="Legal Name Ltd")
    site = make_site(tenant)
    owner_client = _client(owner.email)
    response = owner_client.post("/account/branding/", {
        "brand_name": "Bright Studio", "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png")})
    assert response.status_code == 302
    stored = Tenant.by_id(tenant.id)
    assert stored.brandName == "Bright Studio" and stored.brandLogo.endswith(".png")
    user = team_invite(tenant=tenant, actor=owner, email="c@client.example", role=CLIENT, site_ids=[site.id])
    invitation_accept(token=invitation_token(user=user), password=PASSWORD)
    page = _client("c@client.example").get("/submissions/").content.decode()
    assert "Bright Studio" in page and f"/brand/{tenant.id}/{stored.brandLogo}" in page
    logo = Client().get(f"/brand/{tenant.id}/{stored.brandLogo}")  # public: e-mail clients fetch it
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff" and b"".join(logo.streaming_content) == _png()
    assert Client().get(f"/brand/{tenant.id}/other.png").status_code == 404


@pytest.mark.parametrize("name, content, error", [
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "PNG, JPEG, GIF or WebP"),
    ("logo.png", b"<html><script>alert(1)</script></html>", "PNG, JPEG, GIF or WebP"),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 300_000, "at most 200 KB"),
])
def test_a_logo_that_is_not_a_small_image_is_refused_and_nothing_changes(ddb, media, name, content, error):
    tenant, owner = make_tenant()
    response = _client(owner.email).post("/account/branding/", {
        "brand_name": "Bright", "logo": SimpleUploadedFile(name, content, content_type="image/png")})
    assert response.status_code == 200 and error in response.content.decode()
    stored = Tenant.by_id(tenant.id)
    assert stored.brandName is None and stored.brandLogo is None
    assert not any(media.rglob("*.*"))


def test_the_sites_page_shows_this_months_usage_per_site(ddb):
    tenant, owner = make_tenant()
    site_a, site_b = make_site(tenant, domain="a-usage.example"), make_site(tenant, domain="b-usage.example")
    for n in range(3):
        make_submission(tenant, site_id=site_a.id, fields={"message": "x" * 100 * (n + 1)})
    make_submission(tenant, site_id=site_a.id, spam=True)
    flipped = make_submission(tenant, site_id=site_b.id)
    submission_mark_spam(tenant=tenant, actor=owner.email, spam=True,
                         submission=access_submission(tenant=tenant, submission_id=flipped))
    response = _client(owner.email).get("/sites/")
    rows = {site.id: usage for site, usage in response.context["rows"]}
    assert (rows[site_a.id].submissions, rows[site_a.id].spam) == (3, 1)
    assert rows[site_a.id].stored_bytes > 600
    assert (rows[site_b.id].submissions, rows[site_b.id].spam) == (0, 1)
    page = response.content.decode()
    assert 'class="num usage-submissions">3<' in page


def test_the_upload_sweeper_leaves_agency_logos_alone(ddb, media):
    """Logos share the file storage with uploads; the sweeper of unreferenced bytes must not
    take them for the bytes of a submission that was never stored."""
    from portal.services.ingest.files import files_sweep

    tenant, owner = make_tenant()
    assert _client(owner.email).post("/account/branding/", {
        "brand_name": "Bright", "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png")}
    ).status_code == 302
    logo = Tenant.by_id(tenant.id).brandLogo
    files_sweep(grace_seconds=0)
    assert Client().get(f"/brand/{tenant.id}/{logo}").status_code == 200
