"""Operators' endpoints, outside the portal namespace."""
from django.urls import path

from portal.views.ops.favicon import favicon
from portal.views.ops.metrics import metrics_view

urlpatterns = [
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
]
