#!/usr/bin/env python
"""Django's command-line utility for Form-Bridge."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as error:
        from portal.dynamo.connection.health import endpoint_unreachable

        if not endpoint_unreachable(error):
            raise
        from django.conf import settings

        where = settings.DYNAMODB_ENDPOINT_URL or "AWS DynamoDB (no endpoint set)"
        sys.stderr.write(
            f"error: DynamoDB is not answering at {where}; start it (make dynamodb) "
            f"or set DYNAMODB_ENDPOINT_URL to a reachable endpoint.\n"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
