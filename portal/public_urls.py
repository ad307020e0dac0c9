"""Public pages (pricing, checkout, e-mail confirmation, password reset); joined to the
"portal" namespace at the end of portal/urls.py."""
from django.urls import path

from portal.views import password_reset, public, verification

urlpatterns = [
    path("pricing/", public.pricing, name="pricing"),
    path("checkout/", public.checkout, name="checkout"),
    path("verify/<str:token>/", verification.verify_email, name="verify_email"),
    path("password-reset/", password_reset.password_reset_request_view, name="password_reset"),
    path("password-reset/<str:token>/", password_reset.password_reset_confirm_view, name="password_reset_confirm"),
]
