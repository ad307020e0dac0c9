from django.urls import include, path

urlpatterns = [
    path("staff/", include("portal.urls.staff")),
    path("", include("portal.urls.invite")),
    path("", include("portal.urls.portal")),
]
