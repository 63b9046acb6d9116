"""Carry out the scheduled go-lives and take-downs that are due (partnerships/scheduling.py).

A Celery worker with its scheduler does this every minute (docs/tasks.md); without one, run this
command from cron every minute: `* * * * * cd /srv/twinning && .venv/bin/python manage.py
publish_scheduled`. Running it twice, or alongside the worker, does nothing twice.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from partnerships import scheduling


class Command(BaseCommand):
    help = (
        "Publish the partnerships whose scheduled go-live has come and unpublish those whose "
        "take-down has come; prints what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to work on (default: %(default)s).",
        )

    def handle(self, *args, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        outcomes = scheduling.publish_due(using=database)
        if verbosity < 1:
            return
        if not outcomes:
            self.stdout.write("Nothing was due.")
        for outcome in outcomes:
            style = (
                self.style.WARNING
                if outcome.action == scheduling.Outcome.CANCELLED
                else self.style.SUCCESS
            )
            self.stdout.write(style(str(outcome)))
