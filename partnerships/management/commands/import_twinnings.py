"""`manage.py import_twinnings PATH`: import known twinnings from a CSV file.

Reads the Hekman/twincities list (`city1,country1,lat1,lng1,city2,country2,lat2,lng2`) or the
generic format (`city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b,lng_b` and optionally
`established,kind,status`); the format is told from the header unless --format says it. See
partnerships/importing/importer.py and the README ("Importing known twinnings").
"""

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import translation

from core.translated import ORIGINAL
from partnerships.importing.importer import (
    BATCH_SIZE,
    FORMATS,
    FileRefused,
    Importer,
    ImportStopped,
)

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is a nicety; the import works without it
    tqdm = None


class Command(BaseCommand):
    help = (
        "Import known twinnings (city pairs) from a CSV file: creates the missing cities and "
        "published partnerships with their source, never a pair twice. Rejected rows are "
        "reported with their line number and reason. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8).")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="The file's format (default: told from the header).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check everything and report what would change; write nothing.",
        )
        parser.add_argument(
            "--source-title",
            help="Title of the Source recorded on each new partnership (default: for the "
            "Hekman format, the Wikipedia list via Hekman/twincities; else the file's name).",
        )
        parser.add_argument("--source-publisher", help="Publisher of that Source.")
        parser.add_argument("--source-url", help="URL of that Source.")
        parser.add_argument("--source-year", type=int, help="Year of that Source.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="Rows per transaction (default: %(default)s).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to import into (default: %(default)s).",
        )

    # Under the original language: names and titles are written to and read from the English
    # columns (name_en, …), never to whichever language is active (core/translated.py).
    @translation.override(ORIGINAL)
    def handle(self, *args, path, verbosity=1, **options):
        source = {
            key: options[f"source_{key}"]
            for key in ("title", "publisher", "url", "year")
            if options[f"source_{key}"] is not None
        }
        bar = self.progress_bar(path, verbosity)
        importer = Importer(
            dry_run=options["dry_run"],
            source=source,
            batch_size=options["batch_size"],
            using=options["database"],
            emit=self.emitter(bar),
            verbosity=verbosity,
        )
        try:
            importer.run(path, fmt=options["format"], progress=bar.update if bar else None)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except FileRefused as exc:
            raise CommandError(str(exc)) from exc
        except ImportStopped as exc:
            self.print_summary(importer, verbosity)
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        self.print_summary(importer, verbosity)

    def progress_bar(self, path, verbosity):
        """A progress bar (by bytes read) on a terminal only: nothing in logs or CI."""
        if tqdm is None or verbosity < 1 or not self.stdout.isatty():
            return None
        try:
            total = os.path.getsize(path)
        except OSError:
            return None
        return tqdm(total=total, unit="B", unit_scale=True, desc="Importing", file=sys.stderr)

    def emitter(self, bar):
        if bar is None:
            return self.stdout.write
        return lambda message: bar.write(message, file=self.stdout._out)

    def print_summary(self, importer, verbosity):
        if verbosity >= 1:
            for line in importer.summary.lines():
                self.stdout.write(line)
