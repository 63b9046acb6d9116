"""The import started from the admin, as a task (twinning/celery.py; enqueued by the admin).

Exactly once, whatever happens to the worker: each batch of rows is written in one transaction
together with the run's progress, counts and report lines, so the run always says how far the
import got. The task is acknowledged late; when its worker dies, the broker delivers it again and
the run — still "running", but with no batch for IMPORT_STALE_SECONDS — is resumed after the
last line written (the rows before it are neither read nor reported again). A delivery while
another worker is still on the run waits and looks again.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone, translation

from core.translated import ORIGINAL
from partnerships.models import ImportRun, ImportRunEntry

from .importer import ImportCancelled, Importer, ImportFailed, ImportStopped

logger = logging.getLogger(__name__)

# Sent after each batch is committed, with the run's id: what the worker has just saved.
batch_saved = Signal()


def claim(run_id):
    """Take the run for this worker: (run, resumed), or (None, reason) when there is nothing
    to do ("finished", "busy": a worker is on it, "missing")."""
    now = timezone.now()
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None, "missing"
        if run.finished:
            return None, "finished"
        if run.state == ImportRun.State.RUNNING and not run.stale(now):
            return None, "busy"
        resumed = run.state == ImportRun.State.RUNNING
        run.state = ImportRun.State.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.save(update_fields=["state", "started_at", "heartbeat_at"])
    return run, resumed


@shared_task(bind=True, acks_late=True, max_retries=10)
def import_twinnings(self, run_id):
    run, resumed = claim(run_id)
    if run is None:
        if resumed == "busy":  # a duplicate delivery, or a worker that may yet turn out dead
            raise self.retry(countdown=settings.IMPORT_STALE_SECONDS)
        return
    if resumed:
        logger.warning("Import %s resumed after line %s", run.pk, run.last_line)
    ImportTask(run).run()


class ImportTask:
    def __init__(self, run):
        self.run_ = run
        self.base = {
            name: getattr(run, name)
            for name in (
                "rows_processed",
                "partnerships_created",
                "cities_created",
                "skipped",
                "errors",
            )
        }
        self.resumed_after = run.last_line
        self.entries = []  # the report lines (line, outcome, message) of the batch being read
        self.batch = None  # (last line, report lines) of the batch last given to batch_written
        self.importer = Importer(
            batch_size=settings.IMPORT_BATCH_SIZE,
            emit=lambda text: None,  # the report is kept as entries (on_entry)
            on_entry=self.entry,
            on_batch=self.batch_written,
            should_stop=self.cancel_requested,
        )

    def entry(self, line, outcome, message):
        self.entries.append((line, outcome, message))

    def save_entries(self, entries):
        ImportRunEntry.objects.bulk_create(
            ImportRunEntry(run_id=self.run_.pk, line=line, outcome=outcome, message=message)
            for line, outcome, message in entries
        )

    def counts(self):
        summary = self.importer.summary
        return {
            "rows_processed": self.base["rows_processed"] + summary.rows,
            "skipped": self.base["skipped"] + summary.already_present,
            "errors": self.base["errors"] + summary.rejected.total(),
        }

    def batch_written(self, last_line, cities, partnerships):
        """Inside the batch's transaction: the rows, the progress and the report commit together."""
        summary = self.importer.summary
        self.save_entries(self.entries)
        self.batch, self.entries = (last_line, self.entries), []
        ImportRun.objects.filter(pk=self.run_.pk).update(
            **self.counts(),
            last_line=last_line,
            partnerships_created=(
                self.base["partnerships_created"] + summary.partnerships_created + partnerships
            ),
            cities_created=self.base["cities_created"] + summary.cities_created + cities,
            heartbeat_at=timezone.now(),
        )
        transaction.on_commit(lambda: batch_saved.send(ImportRun, run_id=self.run_.pk))

    def cancel_requested(self):
        return ImportRun.objects.filter(pk=self.run_.pk, cancel_requested=True).exists()

    # Under the original language, as the command: names go to the English columns.
    @translation.override(ORIGINAL)
    def run(self):
        run = self.run_
        try:
            if run.cancel_requested:
                raise ImportCancelled(run.last_line)
            with default_storage.open(run.file.name, "rb") as stream:
                self.importer.run(
                    stream,
                    fmt=run.format or None,
                    filename=run.file_name,
                    after_line=run.last_line,
                )
        except ImportCancelled as error:
            self.finish(ImportRun.State.CANCELLED, str(error))
        except ImportStopped as error:
            if self.batch and self.batch[0] == error.last_line:
                # Its report lines were saved with it, and rolled back with it.
                self.entries = self.batch[1] + self.entries
            self.finish(ImportRun.State.FAILED, str(error))
        except (ImportFailed, OSError) as error:
            self.finish(ImportRun.State.FAILED, str(error))
        except Exception as error:
            logger.exception("Import %s failed", run.pk)
            self.finish(ImportRun.State.FAILED, f"{error.__class__.__name__}: {error}")
        else:
            self.finish(ImportRun.State.DONE)

    def finish(self, state, error=""):
        """The end, whatever it was; the lines read since the last batch written are reported
        too (as the command prints them), but not counted as processed."""
        self.save_entries(self.entries)
        self.entries = []
        summary = self.importer.summary.lines()
        if self.resumed_after:
            # The run's counts are the whole file's; the summary, the importer's, is not.
            summary.insert(
                1,
                f"  resumed after line {self.resumed_after:,} (the worker before was stopped); "
                "the figures below count from there",
            )
        ImportRun.objects.filter(pk=self.run_.pk).update(
            state=state,
            error=error,
            summary="\n".join(summary),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
