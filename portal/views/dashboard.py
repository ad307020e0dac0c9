"""The dashboard lives at / (portal.views.home.home); this module re-exports it by name."""
from portal.views.home import home as dashboard  # noqa: F401
