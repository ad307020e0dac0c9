"""Public pages: pricing, checkout, e-mail verification, password reset, invitations."""
