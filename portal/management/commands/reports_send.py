"""`python manage.py reports_send`: one pass of the monthly client reports (what the delivery
worker does every REPORTS_PASS_SECONDS): e-mail every report that is due and not sent yet."""
from django.core.management.base import BaseCommand

from portal.services.reports.sending import reports_send_due


class Command(BaseCommand):
    help = "E-mail the monthly client reports that are due (each report once a month)."

    def handle(self, *args, **options):
        self.stdout.write(f"{reports_send_due()} report e-mail(s) sent.")
