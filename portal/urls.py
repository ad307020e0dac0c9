"""Tenant portal URLs (namespace "portal")."""
from django.urls import path

from portal.views import auth, home

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/password/", auth.password_change_view, name="password_change"),
]

from portal.destination_urls import urlpatterns as destination_patterns  # noqa: E402

urlpatterns += destination_patterns

# Issue 6: public signup pages and the tenant's account pages, in the "portal" namespace.
from portal.account_urls import urlpatterns as account_urlpatterns  # noqa: E402
from portal.public_urls import urlpatterns as public_urlpatterns  # noqa: E402

urlpatterns += public_urlpatterns + account_urlpatterns
