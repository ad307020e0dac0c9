"""`python manage.py cost_alerts`: check every tenant's monthly cost threshold and e-mail
staff for each one reached (once per tenant and month). The delivery worker checks tenants as
it writes their units, and every tenant each COST_ALERTS_PASS_SECONDS (an hour); run this to
check at once, or from cron when no worker runs."""
from django.core.management.base import BaseCommand

from portal.services.billing.costs import cost_alerts_check


class Command(BaseCommand):
    help = "E-mail staff about tenants whose estimated DynamoDB cost reached their threshold this month."

    def handle(self, *args, **options):
        sent = cost_alerts_check()
        for cost in sent:
            self.stdout.write(f"{cost.tenant.organization}: USD {cost.cost:.4f} >= {cost.tenant.costAlertUsd:.2f}")
        self.stdout.write(f"{len(sent)} alert(s) sent.")
