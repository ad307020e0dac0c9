"""Staff console URLs (namespace "staff")."""
from django.urls import path

from portal.views import staff_auth

app_name = "staff"

urlpatterns = [
    path("", staff_auth.staff_home, name="home"),
    path("login/", staff_auth.staff_login_view, name="login"),
    path("logout/", staff_auth.staff_logout_view, name="logout"),
]
