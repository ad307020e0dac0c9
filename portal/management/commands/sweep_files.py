"""`python manage.py sweep_files`: remove uploaded bytes that no live submission references
(a crash between the bytes and the submission's transaction, a submission deleted for good or
expired with its retention), older than FILES_SWEEP_GRACE_SECONDS. Safe to run at any time and
from several places at once; `manage.py deliver` also runs it every FILES_SWEEP_INTERVAL_SECONDS."""
from django.core.management.base import BaseCommand

from portal.services.ingest.files import files_sweep


class Command(BaseCommand):
    help = "Remove stored files that no live submission references (after a grace period)."

    def add_arguments(self, parser):
        parser.add_argument("--grace-seconds", type=int, default=None,
                            help="only bytes older than this (default FILES_SWEEP_GRACE_SECONDS)")

    def handle(self, *args, grace_seconds: int | None, **options):
        report = files_sweep(grace_seconds=grace_seconds)
        self.stdout.write(f"{report.examined} file(s) examined, {report.removed} removed, {report.kept} kept.")
        for error in report.errors:
            self.stderr.write(f"not removed (next sweep tries again): {error}")
