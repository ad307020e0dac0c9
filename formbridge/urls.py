from django.urls import include, path

urlpatterns = [
    path("", include("portal.urls.ops")),
    path("staff/", include("portal.urls.staff")),
    path("", include("portal.urls.invite")),
    path("", include("portal.urls.portal")),
]
