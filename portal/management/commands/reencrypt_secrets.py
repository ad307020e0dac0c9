"""`manage.py reencrypt_secrets`: re-encrypt every encrypted field under the newest key in
FIELD_ENCRYPTION_KEYS, so the older keys can be removed (see the README's rotation steps)."""
from django.core.management.base import BaseCommand, CommandError

from portal.crypto import DecryptionFailed
from portal.services.compliance.key_rotation import secrets_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the newest FIELD_ENCRYPTION_KEYS key (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be rewritten; write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        try:
            report = secrets_reencrypt(dry_run=dry_run)
        except DecryptionFailed as error:
            raise CommandError(f"{error} Put the old key back in FIELD_ENCRYPTION_KEYS (after the new one) and run again.")
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(f"Checked {report.checked} item(s) with secrets; {verb} {report.rewritten}.")
        if report.busy:
            raise CommandError(f"{report.busy} item(s) changed meanwhile; run the command again.")
