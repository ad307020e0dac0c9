"""Tenant portal URLs (namespace "portal") and the public ingest endpoints."""
from django.urls import path

from portal.urls.account import urlpatterns as account_patterns
from portal.urls.agency import urlpatterns as agency_patterns
from portal.urls.destinations import urlpatterns as destination_patterns
from portal.urls.leads import urlpatterns as lead_patterns
from portal.urls.public import urlpatterns as public_patterns
from portal.urls.reports import urlpatterns as report_patterns
from portal.views.api import docs as api_docs
from portal.views.api import v1 as api
from portal.views.ingest import endpoints as ingest
from portal.views.portal import api_keys, auth, home, inspector, site_protection, sites, submissions, two_factor

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", two_factor.login_code_view, name="login_code"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/password/", auth.password_change_view, name="password_change"),
    # Sites and API keys
    path("sites/", sites.site_index, name="site_index"),
    path("sites/<str:site_id>/", sites.site_detail, name="site_detail"),
    path("sites/<str:site_id>/delete/", sites.site_delete, name="site_delete"),
    path("sites/<str:site_id>/verify/", sites.site_verify, name="site_verify"),
    path("sites/<str:site_id>/quick-start/", sites.site_quick_start, name="site_quick_start"),
    path("sites/<str:site_id>/test-submission/", sites.site_test_submission, name="site_test_submission"),
    path("sites/<str:site_id>/protection/", site_protection.site_protection, name="site_protection"),
    path("sites/<str:site_id>/keys/", api_keys.key_create, name="key_create"),
    path("sites/<str:site_id>/keys/<str:key_id>/", api_keys.key_created, name="key_created"),
    path("sites/<str:site_id>/keys/<str:key_id>/revoke/", api_keys.key_revoke, name="key_revoke"),
    path("sites/<str:site_id>/keys/<str:key_id>/form-bridge.zip", api_keys.key_plugin_zip, name="key_plugin_zip"),
    path("sites/<str:site_id>/form-bridge.zip", sites.site_plugin_zip, name="site_plugin_zip"),
    # Submissions
    path("submissions/", submissions.submission_index, name="submission_index"),
    path("submissions/export.csv", submissions.submission_export_csv, name="submission_export_csv"),
    path("submissions/export.jsonl", submissions.submission_export_jsonl, name="submission_export_jsonl"),
    path("submissions/<str:submission_id>/", submissions.submission_detail, name="submission_detail"),
    path("submissions/<str:submission_id>/files/<str:file_index>/", submissions.submission_file,
         name="submission_file"),
    path("submissions/<str:submission_id>/spam/", submissions.submission_spam, name="submission_spam"),
    path("submissions/<str:submission_id>/delete/", submissions.submission_delete_view, name="submission_delete"),
    # Ingest (public contract, DESIGN section 6)
    # POST: ingest with a site key; GET: the read API with an API token (same URL, one contract)
    path("api/v1/submissions", api.submissions_collection, name="api_submissions"),
    # Read/action API (API tokens; DESIGN section 12) and its contract
    path("api/v1/submissions/<str:submission_id>", api.submission_item, name="api_submission"),
    path("api/v1/submissions/<str:submission_id>/notes", api.submission_notes, name="api_submission_notes"),
    path("api/v1/submissions/<str:submission_id>/resend", api.submission_resend, name="api_submission_resend"),
    path("api/v1/submissions/<str:submission_id>/spam", api.submission_spam, name="api_submission_spam"),
    path("api/v1/destinations", api.destination_index, name="api_destinations"),
    path("api/openapi.json", api_docs.openapi_document, name="api_openapi"),
    path("docs/api/", api_docs.api_reference, name="api_reference"),
    path("api/v1/site", ingest.api_site, name="api_site"),
    path("f/<str:site_id>/<str:form_id>", ingest.form_post, name="form_post"),
    path("api/problems/<slug:slug>", ingest.problem_type, name="problem_type"),
    # Development only (DEBUG; 404 otherwise): the built-in webhook inspector
    path("dev/inspector/", inspector.inspector, name="inspector"),
    path("dev/inspector/<str:token>/", inspector.inspector_receive, name="inspector_receive"),
]

# Destinations and deliveries, public signup pages, the tenant's account pages.
urlpatterns += destination_patterns + public_patterns + account_patterns + agency_patterns + report_patterns + lead_patterns
