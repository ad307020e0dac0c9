"""Lead inbox pages (state, assignee, notes, replies, bulk actions, settings); joined to the
"portal" namespace at the end of portal/urls/portal.py."""
from django.urls import path

from portal.views.portal import leads

urlpatterns = [
    path("leads/mine/", leads.lead_mine, name="lead_mine"),
    path("leads/settings/", leads.lead_settings, name="lead_settings"),
    path("leads/bulk/", leads.lead_bulk_view, name="lead_bulk"),
    path("submissions/<str:submission_id>/lead/", leads.lead_change, name="lead_change"),
    path("submissions/<str:submission_id>/notes/", leads.lead_note, name="lead_note"),
    path("submissions/<str:submission_id>/reply/", leads.lead_reply_view, name="lead_reply"),
]
