"""Compute the maintained world-wide figures anew (partnerships/figures.py).

The database's triggers keep them exact with every change; this sets the float sums (where the
countries' cities lie) exact again after many additions and subtractions. A Celery worker with
its scheduler does this each night (docs/tasks.md); without one, run it from cron. Running it
twice changes nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from partnerships import figures


class Command(BaseCommand):
    help = "Compute the figures of the home page and the statistics page anew from the rows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to work on (default: %(default)s).",
        )

    def handle(self, *args, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        figures.rebuild(using=database)
        if verbosity:
            self.stdout.write("Figures rebuilt.")
