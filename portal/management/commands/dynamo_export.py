"""`manage.py dynamo_export DIR`: every table (or --table ones) to gzipped DynamoDB JSON Lines
with a manifest; run it again on the same DIR to resume an interrupted export."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.dynamo.operations.backup import BackupError, export_tables
from portal.management.progress import TableProgress


class Command(BaseCommand):
    help = "Export DynamoDB tables to DIR (gzipped JSON Lines in DynamoDB JSON, manifest.json with SHA-256). Resumable."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--table", action="append", dest="tables", metavar="NAME",
                            help="Export only this table (by name without prefix, e.g. submissions); repeatable.")
        parser.add_argument("--segments", type=int, default=4, help="Parallel scan segments per table (default 4).")
        parser.add_argument("--parallel", type=int, default=4, help="Segments scanned at once (default 4).")
        parser.add_argument("--include-ephemeral", action="store_true",
                            help="Also export the sessions table's items (live sessions, rate windows, idempotency "
                                 "claims, inspector captures); left out by default.")

    def handle(self, *args, directory, tables=None, segments=4, parallel=4, include_ephemeral=False, **options):
        progress = TableProgress(self.stdout.write, verb="exported")
        self.stdout.write(f"Exporting tables prefixed '{settings.DYNAMODB_TABLE_PREFIX}' to {directory} ...")
        try:
            manifest = export_tables(directory, tables=tables, segments=segments, parallel=parallel, progress=progress,
                                     include_ephemeral=include_ephemeral)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name, entry in manifest["tables"].items():
            left_out = " (short-lived items left out; --include-ephemeral keeps them)" if entry.get("items_left_out") else ""
            self.stdout.write(f"  {name}: {entry['items']} items{left_out}")
        total = sum(entry["items"] for entry in manifest["tables"].values())
        self.stdout.write(f"Done: {total} items in {len(manifest['tables'])} tables; manifest at {directory}/manifest.json")
        self.stdout.write("Keep the backup secret: it holds password hashes, encrypted secrets and every submission.")
