"""`python manage.py privacy_jobs`: work through open privacy erase jobs (the delivery worker
does this too, between passes). `--loop` keeps watching for new ones."""
import time

from django.core.management.base import BaseCommand

from portal.services.compliance.privacy import privacy_jobs_run


class Command(BaseCommand):
    help = "Erase the submissions of open privacy requests (resumes interrupted jobs)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running, looking for new jobs")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between looks with --loop")

    def handle(self, *args, loop: bool, poll: float, **options):
        while True:
            steps = privacy_jobs_run()
            self.stdout.write(f"{steps} batch(es) erased.")
            if not loop:
                return
            time.sleep(poll)
