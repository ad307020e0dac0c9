"""Agency pages (privacy requests, the brand); joined to the "portal" namespace at the end of
portal/urls/portal.py."""
from django.urls import path

from portal.views.portal import agency

urlpatterns = [
    path("privacy/", agency.privacy_index, name="privacy"),
    path("privacy/export.json", agency.privacy_export, name="privacy_export"),
    path("privacy/erase/", agency.privacy_erase, name="privacy_erase"),
    path("privacy/jobs/<str:job_id>/", agency.privacy_job, name="privacy_job"),
    path("account/branding/", agency.branding_edit, name="branding"),
    path("brand/<str:tenant_id>/<str:name>", agency.brand_logo, name="brand_logo"),
]
