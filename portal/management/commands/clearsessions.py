"""Django's clearsessions, without installing django.contrib.sessions (whose model would put a
session table in the SQL database, which holds staff accounts only)."""
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete expired sessions from the DynamoDB sessions table."

    def handle(self, **options):
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
