"""Compute every partnership's vitality anew (partnerships/vitality.py).

A Celery worker with its scheduler does this each night (docs/tasks.md); without one, run it
from cron once a day. Loads that bypass the records' signals (`loaddata`, `bulk_create`) run it
at their end. Running it twice changes nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from core.page_cache import bump_content_version
from partnerships import vitality


class Command(BaseCommand):
    help = "Compute every partnership's vitality (active, quiet, dormant, unknown) as of today."

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to work on (default: %(default)s).",
        )

    def handle(self, *args, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        changed = vitality.refresh(using=database)
        if changed:
            bump_content_version()
        if verbosity:
            self.stdout.write(f"{changed} partnership(s) changed vitality.")
