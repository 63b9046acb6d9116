"""Rebuild every partnership's full-text search document (PostgreSQL).

Saving through the models and the admin keeps the documents fresh; this command is for what
bypasses them: `loaddata` and other bulk loads, `bulk_create`, queryset updates, renamed cities,
or a change to what the document holds. `load_demo` runs it. One UPDATE, in one transaction.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core.page_cache import bump_content_version
from partnerships import search
from partnerships.models import Partnership


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search document of every partnership (PostgreSQL; other "
        "databases search the text directly and need nothing). Run it after loaddata or bulk "
        "imports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to update (default: %(default)s).",
        )

    def handle(self, *args, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        if not search.is_full_text(database):
            if verbosity >= 1:
                vendor = connections[database].display_name
                self.stdout.write(f"Nothing to do: on {vendor}, search reads the text directly.")
            return
        with transaction.atomic(using=database):
            count = Partnership.objects.using(database).refresh_search_document()
        bump_content_version()  # search results and snippets come from the documents
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Updated the search document of {count} partnership(s).")
            )
