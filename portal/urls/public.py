"""Public pages (pricing, checkout, e-mail confirmation, password reset); joined to the
"portal" namespace at the end of portal/urls/portal.py."""
from django.urls import path

from portal.views.public import files, password_reset, verification
from portal.views.public import pricing as public

urlpatterns = [
    path("pricing/", public.pricing, name="pricing"),
    path("checkout/", public.checkout, name="checkout"),
    path("checkout/sent/", public.checkout_sent, name="checkout_sent"),
    # Signed file download links (issue 13): the token is the credential; see files/links.py
    path("files/<str:token>", files.file_download, name="file_download"),
    path("verify/<str:token>/", verification.verify_email, name="verify_email"),
    path("password-reset/", password_reset.password_reset_request_view, name="password_reset"),
    path("password-reset/<str:token>/", password_reset.password_reset_confirm_view, name="password_reset_confirm"),
]
