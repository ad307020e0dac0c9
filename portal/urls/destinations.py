"""Destinations and deliveries. No app_name: these patterns join the "portal" namespace
(portal/urls/portal.py adds them), so they reverse as "portal:<name>"."""
from django.urls import path

from portal.views.portal import deliveries, destinations

urlpatterns = [
    path("destinations/", destinations.destination_list, name="destination_list"),
    path("destinations/new/", destinations.destination_create, name="destination_create"),
    path("destinations/new/inspector/", destinations.destination_inspector_add, name="destination_inspector_add"),
    path("destinations/<str:destination_id>/", destinations.destination_detail, name="destination_detail"),
    path("destinations/<str:destination_id>/edit/", destinations.destination_edit, name="destination_edit"),
    path("destinations/<str:destination_id>/enable/", destinations.destination_enable, name="destination_enable"),
    path("destinations/<str:destination_id>/disable/", destinations.destination_disable, name="destination_disable"),
    path("destinations/<str:destination_id>/delete/", destinations.destination_delete, name="destination_delete"),
    path("destinations/<str:destination_id>/secret/", destinations.destination_secret, name="destination_secret"),
    path("destinations/<str:destination_id>/secret/rotate/", destinations.destination_secret_rotate,
         name="destination_secret_rotate"),
    path("destinations/<str:destination_id>/test/", destinations.destination_test, name="destination_test"),
    path("destinations/<str:destination_id>/retry-failed/", destinations.destination_bulk_retry,
         name="destination_bulk_retry"),
    path("submissions/<str:submission_id>/deliveries/", deliveries.submission_deliveries,
         name="submission_deliveries"),
    path("submissions/<str:submission_id>/deliveries/<str:destination_id>/retry/", deliveries.delivery_retry,
         name="delivery_retry"),
    path("submissions/<str:submission_id>/resend/", deliveries.submission_resend, name="submission_resend"),
]
