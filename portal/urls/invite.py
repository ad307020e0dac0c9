"""The tenant-facing invitation page (namespace "invite"): an invited owner sets a password."""
from django.urls import path

from portal.views.public import invitation

app_name = "invite"

urlpatterns = [
    path("invite/<str:token>/", invitation.invitation_accept_view, name="accept"),
]
