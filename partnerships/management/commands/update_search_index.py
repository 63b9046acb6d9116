"""Rebuild every partnership's full-text search document (PostgreSQL) or the search index
(SQLite's FTS5 table).

Saving through the models and the admin keeps the documents fresh; this command is for what
bypasses them: `loaddata` and other bulk loads, `bulk_create`, queryset updates, renamed cities,
or a change to what the document holds. `load_demo` runs it. One transaction.
The same work runs nightly as a task (partnerships/tasks.py, docs/tasks.md); `--queue` hands
it to a worker instead of doing it here.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from core.tasks import enqueue
from partnerships import search
from partnerships.tasks import refresh_search_index, refresh_search_index_task


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search document of every partnership (PostgreSQL) or the "
        "search index (SQLite); other databases search the text directly and need nothing. "
        "Run it after loaddata or bulk imports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to update (default: %(default)s).",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Send the rebuild to the task queue (a worker does it) instead of waiting.",
        )

    def handle(self, *args, database=DEFAULT_DB_ALIAS, verbosity=1, queue=False, **options):
        if not search.is_indexed(database):
            if verbosity >= 1:
                vendor = connections[database].display_name
                self.stdout.write(f"Nothing to do: on {vendor}, search reads the text directly.")
            return
        if queue:
            enqueue(refresh_search_index_task, database)
            if verbosity >= 1:
                self.stdout.write("The rebuild is queued; a worker does it.")
            return
        count = refresh_search_index(database)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Updated the search document of {count} partnership(s).")
            )
