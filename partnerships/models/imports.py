"""An import of a twinnings file started from the admin, and its line-numbered report.

The file stays in the default storage (local MEDIA_ROOT or object storage: only the storage API
is used); the task (partnerships/importing/tasks.py) writes the progress, the counts and the
report with each batch of rows, in the batch's own transaction.
"""

import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRunQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=ImportRun.ACTIVE_STATES)


class ImportRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)  # as uploaded
    format = models.CharField(_("format"), max_length=20, blank=True)  # blank: told from header
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_processed = models.PositiveIntegerField(_("rows processed"), default=0)
    # The file's last line of the last batch written: a resumed import goes on after it.
    last_line = models.PositiveIntegerField(default=0, verbose_name=_("last line"))
    partnerships_created = models.PositiveIntegerField(_("partnerships created"), default=0)
    cities_created = models.PositiveIntegerField(_("cities created"), default=0)
    skipped = models.PositiveIntegerField(_("already present"), default=0)
    errors = models.PositiveIntegerField(_("rejected rows"), default=0)
    summary = models.TextField(_("summary"), blank=True)  # as the command prints it
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last sign of life")
    )  # each batch: is a worker on it?

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("twinnings import")
        verbose_name_plural = _("twinnings imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One import at a time: every active run has the same key, so a second one cannot
            # be inserted (nor a run be set back to queued or running while another is).
            models.UniqueConstraint(
                models.Value(True),
                condition=Q(state__in=["queued", "running"]),
                name="one_active_import_run",
                violation_error_message=_("Another import is queued or running."),
            ),
        ]

    def __str__(self):
        return self.file_name

    @property
    def active(self):
        return self.state in self.ACTIVE_STATES

    @property
    def finished(self):
        return not self.active

    def stale(self, now=None):
        """Running, but no batch for IMPORT_STALE_SECONDS: its worker is gone."""
        cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS)
        return self.state == self.State.RUNNING and (
            self.heartbeat_at is None or self.heartbeat_at < cutoff
        )

    def cancel(self):
        """Cancel: at once if no worker is on it (queued, or its worker gone); otherwise the
        worker stops after its current batch. Returns whether the run is finished now."""
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.pk)
            if run.state == self.State.QUEUED or run.stale():
                run.state = self.State.CANCELLED
                run.finished_at = timezone.now()
                run.error = str(_("Cancelled before a worker went on with it."))
                run.save(update_fields=["state", "finished_at", "error"])
            elif run.state == self.State.RUNNING:
                run.cancel_requested = True
                run.save(update_fields=["cancel_requested"])
        return run.finished

    def report_lines(self):
        """The report as the command prints it: a line per entry, then the summary."""
        for entry in self.entries.all().iterator(chunk_size=2000):
            yield entry.text
        yield from self.summary.splitlines()


class ImportRunEntry(models.Model):
    """A line of an import's report: a row rejected, already present, or a note on it."""

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="entries", verbose_name=_("import")
    )
    line = models.PositiveIntegerField(_("line"))
    outcome = models.CharField(_("outcome"), max_length=20)
    message = models.TextField(_("message"))

    class Meta:
        ordering = ["pk"]  # the order the import met them in
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")

    def __str__(self):
        return self.text

    @property
    def text(self):
        from ..importing.importer import entry_text  # the importer imports the models

        return entry_text(self.line, self.outcome, self.message)
