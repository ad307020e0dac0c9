"""`manage.py dynamo_cloudformation --env prod`: print a CloudFormation template generated
from the models (tables, file bucket, IAM policies) for `aws cloudformation deploy`."""
import json

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.dynamo.operations.cloudformation import template


class Command(BaseCommand):
    help = "Print a CloudFormation template (JSON) for the DynamoDB tables, the file bucket and the IAM policies."

    def add_arguments(self, parser):
        parser.add_argument("--env", required=True, help="Environment name (tags, default prefix), e.g. prod.")
        parser.add_argument("--prefix", help="Table prefix (default formbridge-ENV-).")
        parser.add_argument("--pitr", action="store_true", default=None, help="Point-in-time recovery (default: on for prod).")
        parser.add_argument("--no-pitr", action="store_false", dest="pitr")
        parser.add_argument("--deletion-protection", action="store_true", default=None,
                            help="Deletion protection (default: on for prod).")
        parser.add_argument("--no-deletion-protection", action="store_false", dest="deletion_protection")

    def handle(self, *args, env, prefix=None, pitr=None, deletion_protection=None, **options):
        production = env in ("prod", "production")
        document = template(
            env=env, prefix=prefix or f"formbridge-{env}-",
            pitr=production if pitr is None else pitr,
            deletion_protection=production if deletion_protection is None else deletion_protection,
            files_retention_days=settings.FILES_RETENTION_DAYS,
        )
        self.stdout.write(json.dumps(document, indent=2))
