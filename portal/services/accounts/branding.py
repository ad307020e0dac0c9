"""The agency's brand on what its clients see: a name and a logo (portal pages a client sees,
notification e-mails). The logo is an uploaded image, checked by its bytes (PNG, JPEG, GIF or
WebP; never SVG, which can carry scripts), at most BRAND_LOGO_MAX_BYTES, stored through
Django's storage API under a random name; the tenant keeps only that name."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.errors import FieldErrors
from portal.services.compliance.audit import audit_record
from portal.text import has_control_characters

BRAND_NAME_MAX = 80
# Leading bytes of each image type we accept, and the type it is served as.
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class InvalidBrand(FieldErrors):
    pass


def image_type_of(head: bytes) -> str | None:
    """The extension of an image by its first bytes (not its name or its claimed type)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _brand_storage():
    """STORAGES["brand"]: beside the uploads (same disk or bucket), outside their prefix, so the
    bucket's lifecycle rule and the upload sweeper never take a logo."""
    return storages["brand"]


def logo_storage_name(tenant_id: str, name: str) -> str:
    return f"{tenant_id}/{name}"


def tenant_branding_update(*, tenant: Tenant, actor: str, brand_name: str, logo=None,
                           remove_logo: bool = False) -> Tenant:
    """Set the brand name (empty: none) and, when given, a new logo (an uploaded file). A bad
    name or image raises InvalidBrand and changes nothing."""
    brand_name = " ".join((brand_name or "").split())
    errors = {}
    if len(brand_name) > BRAND_NAME_MAX or has_control_characters(brand_name):
        errors["brand_name"] = [f"One line of at most {BRAND_NAME_MAX} characters."]
    data, kind = None, None
    if logo is not None:
        if logo.size > settings.BRAND_LOGO_MAX_BYTES:
            errors["logo"] = [f"The logo must be at most {settings.BRAND_LOGO_MAX_BYTES // 1024} KB."]
        else:
            data = logo.read(settings.BRAND_LOGO_MAX_BYTES + 1)
            kind = image_type_of(data[:16])
            if len(data) > settings.BRAND_LOGO_MAX_BYTES:
                errors["logo"] = [f"The logo must be at most {settings.BRAND_LOGO_MAX_BYTES // 1024} KB."]
            elif kind is None:
                errors["logo"] = ["Upload a PNG, JPEG, GIF or WebP image."]
    if errors:
        raise InvalidBrand(errors=errors)
    before = {"brandName": tenant.brandName, "brandLogo": tenant.brandLogo}
    previous_logo = tenant.brandLogo
    if data is not None:
        name = f"{secrets.token_urlsafe(12)}.{kind}"
        _brand_storage().save(logo_storage_name(tenant.id, name), ContentFile(data))
        tenant.brandLogo = name
    elif remove_logo:
        tenant.brandLogo = None
    tenant.brandName = brand_name or None
    tenant.touch(actor)
    save_versioned(tenant)
    if previous_logo and previous_logo != tenant.brandLogo:
        _brand_storage().delete(logo_storage_name(tenant.id, previous_logo))
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.branding", target_type="tenant",
                 target_id=tenant.id, before=before,
                 after={"brandName": tenant.brandName, "brandLogo": tenant.brandLogo})
    return tenant


def brand_logo_open(*, tenant: Tenant | None, name: str):
    """(file, content type) of the tenant's current logo, or None: an old or unknown name is
    not served."""
    if tenant is None or not tenant.brandLogo or name != tenant.brandLogo:
        return None
    kind = name.rsplit(".", 1)[-1]
    if kind not in IMAGE_TYPES:
        return None
    try:
        return _brand_storage().open(logo_storage_name(tenant.id, name), "rb"), IMAGE_TYPES[kind]
    except FileNotFoundError:
        return None
