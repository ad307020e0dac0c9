"""`manage.py dynamo_migrate`: the release step that creates or checks tables, indexes and TTL,
like Django's `migrate` for the SQL database."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.dynamo.operations import migrate
from portal.dynamo.operations.table_settings import TableSettings


class Command(BaseCommand):
    help = ("Create missing DynamoDB tables, indexes and TTL and apply table settings (PITR, deletion "
            "protection, TTL) (idempotent); report indexes whose projection changed (--rebuild-indexes "
            "rebuilds them) and indexes no model declares (--drop-unused-indexes deletes them). --check only "
            "reports drift.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit non-zero if anything is missing; change nothing.")
        parser.add_argument("--rebuild-indexes", action="store_true",
                            help="Delete and recreate indexes whose projection changed (queries on them fail meanwhile).")
        parser.add_argument("--drop-unused-indexes", action="store_true",
                            help="Delete indexes no model declares any more (nothing reads them).")

    def handle(self, *args, check: bool = False, rebuild_indexes: bool = False, drop_unused_indexes: bool = False,
               **options):
        prefix = settings.DYNAMODB_TABLE_PREFIX
        wanted = TableSettings(pitr=settings.DYNAMODB_PITR, deletion_protection=settings.DYNAMODB_DELETION_PROTECTION,
                               ttl=settings.DYNAMODB_TTL)
        if check:
            drift = migrate.find_drift(wanted)
            if drift:
                for item in drift:
                    self.stderr.write(f"  {item}")
                raise CommandError(f"{len(drift)} difference(s) between the models and tables prefixed '{prefix}'.")
            self.stdout.write(f"Tables prefixed '{prefix}' match the models.")
            return
        changes = migrate.apply(log=lambda line: self.stdout.write(f"  {line}"), wanted=wanted,
                                rebuild_indexes=rebuild_indexes, drop_unused_indexes=drop_unused_indexes)
        if not changes:
            self.stdout.write(f"No changes: tables prefixed '{prefix}' are up to date.")
