"""`manage.py import_sites FILE`: move existing WordPress sites in (JSON or CSV). --dry-run
prints the validation report and changes nothing; a real run is idempotent."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.services.sites.site_import import COLUMNS, rows_import, rows_parse, rows_validate


class Command(BaseCommand):
    help = f"Import existing WordPress sites from a JSON or CSV file with the columns {', '.join(COLUMNS)}."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; change nothing.")
        parser.add_argument("--product", help="Product id for tenants created by the import.")
        parser.add_argument("--actor", default="import_sites", help="Name recorded in the audit trail.")

    def handle(self, *args, file, dry_run=False, product=None, actor="import_sites", **options):
        path = Path(file)
        try:
            rows = rows_parse(path.read_text(encoding="utf-8-sig"), filename=path.name)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {file}: {error}") from error
        rows_validate(rows)
        bad = [row for row in rows if row.problems]
        for row in rows:
            status = "; ".join(row.problems) if row.problems else "ok"
            self.stdout.write(f"  line {row.line} {row.domain or '(no domain)'}: {status}")
        self.stdout.write(f"{len(rows)} rows, {len(rows) - len(bad)} ok, {len(bad)} with problems.")
        if bad:
            raise CommandError("Nothing imported: fix the rows with problems first.")
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
            return
        result = rows_import(rows, actor=actor, product_id=product)
        for line in result.created:
            self.stdout.write(f"  created {line}")
        for domain, raw in result.new_keys.items():
            self.stdout.write(f"  API key for {domain} (shown once): {raw}")
        self.stdout.write(f"Done: {len(result.created)} created." if result.created else "Done: nothing to change.")
