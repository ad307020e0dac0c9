"""`python manage.py metrics_rollups [--month YYYY-MM] [--tenant ID] [--check]`: compare every
tenant's month rollups (and, for all tenants, the month's cost rows) with the day items they
sum, and rebuild them from the day items. `--check` only reports drift (exit status 1 when
there is some); run it after an incident, or once after upgrading from a release that wrote
day items only."""
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from portal.dynamo.base import utcnow
from portal.selectors.billing.costs import tenants_all
from portal.services.metrics_rollups import cost_rows_repair, rollups_drift, rollups_rebuild, rollups_repair


class Command(BaseCommand):
    help = "Check (--check) or rebuild the month rollups and cost rows from the day counters."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (UTC); this month by default")
        parser.add_argument("--tenant", help="one tenant id (cost rows are rebuilt only for all tenants)")
        parser.add_argument("--check", action="store_true", help="report drift and change nothing")

    def handle(self, *args, month=None, tenant=None, check=False, **options):
        try:
            when = datetime.strptime(month, "%Y-%m").date() if month else utcnow().date().replace(day=1)
        except ValueError as error:
            raise CommandError("--month must be YYYY-MM, like 2030-03.") from error
        tenant_ids = [tenant] if tenant else [t.id for t in tenants_all()]
        rebuilt, drifted = {}, 0
        for tenant_id in tenant_ids:
            rebuilt[tenant_id] = rollups_rebuild(tenant_id=tenant_id, month=when)
            drift = rollups_drift(tenant_id=tenant_id, month=when, rebuilt=rebuilt[tenant_id])
            drifted += bool(drift)
            for line in drift:
                self.stdout.write(line)
            if drift and not check:
                rollups_repair(tenant_id=tenant_id, month=when, rebuilt=rebuilt[tenant_id])
        if check:
            self.stdout.write(f"{drifted} of {len(tenant_ids)} tenant(s) drifted in {when:%Y-%m}.")
            if drifted:
                raise SystemExit(1)
            return
        if not tenant:
            rows = cost_rows_repair(month=when, rebuilt=rebuilt)
            self.stdout.write(f"{rows} cost row(s) of {when:%Y-%m} rebuilt.")
        self.stdout.write(f"{drifted} of {len(tenant_ids)} tenant(s) repaired in {when:%Y-%m}.")
