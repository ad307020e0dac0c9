"""Client report pages; joined to the "portal" namespace at the end of portal/urls/portal.py."""
from django.urls import path

from portal.views.portal import reports

urlpatterns = [
    path("reports/", reports.report_index, name="report_index"),
    path("reports/unsubscribe/<str:token>/", reports.report_unsubscribe, name="report_unsubscribe"),
    path("reports/<str:report_key>/<str:month>/", reports.report_detail, name="report_detail"),
    path("reports/<str:report_key>/<str:month>/print/", reports.report_print, name="report_print"),
    path("reports/<str:report_key>/<str:month>/report.pdf", reports.report_pdf_download, name="report_pdf"),
    path("reports/<str:report_key>/<str:month>/settings/", reports.report_settings_edit, name="report_settings"),
    path("reports/<str:report_key>/<str:month>/send/", reports.report_send, name="report_send"),
    path("reports/<str:report_key>/<str:month>/email/", reports.report_opt, name="report_opt"),
]
