"""`manage.py dynamo_import DIR --prefix NEW-`: restore an export into new tables, after
verifying the manifest (SHA-256 of every file, keys, counts)."""
from django.core.management.base import BaseCommand, CommandError

from portal.dynamo.operations.backup import BackupError
from portal.dynamo.operations.restore import import_tables
from portal.management.progress import TableProgress


class Command(BaseCommand):
    help = "Restore a dynamo_export directory into tables under --prefix (never over tables holding data)."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--prefix", required=True, help="Table prefix to restore into, e.g. formbridge-restore-.")
        parser.add_argument("--into-existing", action="store_true",
                            help="Allow existing target tables, if they are empty (never ones holding data).")
        parser.add_argument("--parallel", type=int, default=4, help="Files written at once (default 4).")

    def handle(self, *args, directory, prefix, into_existing=False, parallel=4, **options):
        progress = TableProgress(self.stdout.write, verb="restored")
        self.stdout.write(f"Verifying {directory} and restoring into tables prefixed '{prefix}' ...")
        try:
            counts = import_tables(directory, prefix=prefix, into_existing=into_existing, parallel=parallel,
                                   progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name, n in counts.items():
            self.stdout.write(f"  {prefix}{name}: {n} items")
        self.stdout.write(f"Done: {sum(counts.values())} items restored. Next: DYNAMODB_TABLE_PREFIX={prefix} "
                          "python manage.py dynamo_migrate (indexes added since the backup, table settings).")
