from django.urls import include, path

urlpatterns = [
    path("staff/", include("portal.staff_urls")),
    path("", include("portal.invite_urls")),
    path("", include("portal.urls")),
]
