"""Importing a twinnings file from the admin (superusers only): the upload, the run's page with
its progress, Cancel, and the report as CSV. The import itself is a task
(partnerships/importing/tasks.py); this page only starts it and shows what it has saved."""

import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tasks import QueueUnavailable, enqueue, queue_available

from ..importing.importer import FORMATS
from ..importing.tasks import import_twinnings
from ..importing.upload import inspect_upload
from ..models import ImportRun

# The run's page lists this many report lines; the CSV has them all.
REPORT_LINES_SHOWN = 1000


def busy_message(run):
    return _(
        "An import is already %(state)s: “%(file)s”, started by %(user)s on %(when)s. "
        "Wait for it to finish, or cancel it, before you start another."
    ) % {
        "state": run.get_state_display(),
        "file": run.file_name,
        "user": run.started_by.get_username() if run.started_by else _("a deleted user"),
        "when": formats.date_format(timezone.localtime(run.created_at), "DATETIME_FORMAT"),
    }


def queue_down_message():
    return _(
        "The task queue is unavailable, so the import cannot start now. Nothing was stored; "
        "try again when it is back."
    )


def run_id(object_id):
    try:
        return int(unquote(object_id))
    except ValueError:
        raise Http404 from None


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Twinnings file (CSV)"),
        help_text=gettext_lazy(
            "UTF-8, with a header line: the Hekman format "
            "(city1,country1,lat1,lng1,city2,country2,lat2,lng2) or the generic one "
            "(city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b,lng_b and optionally "
            "established,kind,status)."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("", gettext_lazy("told from the header")), *((name, name) for name in FORMATS)],
        required=False,
    )

    def clean(self):
        data = super().clean()
        active = ImportRun.objects.active().select_related("started_by").first()
        if active:
            raise ValidationError(busy_message(active), code="busy")
        # Refused rather than run in this request: a large file would hold a web worker for
        # longer than its timeout. (Without a broker, the demo, it runs in a thread here.)
        if not queue_available():
            raise ValidationError(queue_down_message(), code="queue_unavailable")
        if data.get("file"):
            try:
                data["rows_total"] = inspect_upload(
                    data["file"], data.get("format"), settings.MAX_IMPORT_UPLOAD_BYTES
                )
            except ValidationError as error:
                self.add_error("file", error)
        return data


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "file_name",
        "started_by",
        "state",
        "progress",
        "partnerships_created",
        "skipped",
        "errors",
    ]
    list_filter = ["state"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"

    # Superusers only: an import writes thousands of published partnerships.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # a run is the record of what happened

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request) and (obj is None or obj.finished)

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, run):
        return f"{run.rows_processed:,} / {run.rows_total:,}"

    def get_urls(self):
        def view(func, suffix):
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(func),
                name=f"partnerships_importrun_{suffix.replace('.', '_')}",
            )

        return [
            view(self.status_view, "status"),
            view(self.cancel_view, "cancel"),
            view(self.report_view, "report.csv"),
            *super().get_urls(),
        ]

    def get_run(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            ImportRun.objects.select_related("started_by"), pk=run_id(object_id)
        )

    # The upload -------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = self.start(request, form)
            if run is not None:
                return HttpResponseRedirect(self.run_url(run))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import twinnings"),
            "form": form,
            "limit": settings.MAX_IMPORT_UPLOAD_BYTES,
            # The admin index's notice, said for this page (the import is refused, not run here).
            "queue_unavailable": not queue_available(),
        }
        return TemplateResponse(request, "admin/partnerships/importrun/upload.html", context)

    def start(self, request, form):
        """The run, with its file stored and its task sent; None (and a form error) when
        another import got in first or the task queue cannot be reached."""
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                run = ImportRun.objects.create(
                    started_by=request.user,
                    file_name=upload.name[: ImportRun._meta.get_field("file_name").max_length],
                    format=form.cleaned_data.get("format") or "",
                    rows_total=form.cleaned_data["rows_total"],
                )
                run.file.save(upload.name, upload, save=True)
                # Recorded before the task starts: an import running in a thread of this
                # process (no broker) writes at once, and SQLite allows one writer at a time.
                entry = self.log_addition(request, run, [{"added": {}}])
        except IntegrityError:
            # Another upload between the form's check and this insert: the database's
            # constraint decides, before the file is stored.
            active = ImportRun.objects.active().select_related("started_by").first()
            form.add_error(None, busy_message(active) if active else _("Please try again."))
            return None
        try:
            # Committed (the worker finds the run), so sent at once: a broker that went down
            # since the form's check is known here, while the run can still be taken back.
            enqueue(import_twinnings, run.pk, refuse_if_down=True, background=True)
        except QueueUnavailable:
            run.file.delete(save=False)
            run.delete()
            entry.delete()
            form.add_error(None, queue_down_message())
            return None
        return run

    # The run's page ---------------------------------------------------------------------------

    def run_url(self, run):
        return reverse("admin:partnerships_importrun_change", args=[run.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_run(request, object_id)
        entries = list(run.entries.all()[:REPORT_LINES_SHOWN])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": run,
            "run": run,
            "title": _("Import of %(file)s") % {"file": run.file_name},
            "entries": entries,
            "more_entries": len(entries) == REPORT_LINES_SHOWN,
            "status_url": reverse("admin:partnerships_importrun_status", args=[run.pk]),
            "cancel_url": reverse("admin:partnerships_importrun_cancel", args=[run.pk]),
            "report_url": reverse("admin:partnerships_importrun_report_csv", args=[run.pk]),
            "has_delete_permission": self.has_delete_permission(request, run),
        }
        return TemplateResponse(request, "admin/partnerships/importrun/run.html", context)

    def status_view(self, request, object_id):
        """What the progress bar needs, polled while the run is active: one query."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        fields = [
            "state",
            "rows_total",
            "rows_processed",
            "partnerships_created",
            "cities_created",
            "skipped",
            "errors",
        ]
        status = ImportRun.objects.filter(pk=run_id(object_id)).values(*fields).first()
        if status is None:
            raise Http404
        status["state_label"] = str(ImportRun.State(status["state"]).label)
        status["finished"] = status["state"] not in ImportRun.ACTIVE_STATES
        response = JsonResponse(status)
        response["Cache-Control"] = "no-store"
        return response

    def cancel_view(self, request, object_id):
        run = self.get_run(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self.run_url(run))
        if run.active:
            if run.cancel():
                self.message_user(request, _("The import is cancelled."), messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    _("The import stops after the batch of rows it is writing now."),
                    messages.SUCCESS,
                )
        return HttpResponseRedirect(self.run_url(run))

    def report_view(self, request, object_id):
        """The report as CSV: line, outcome, message; then the summary lines."""
        run = self.get_run(request, object_id)

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(["line", "outcome", "message"])
            for entry in run.entries.all().iterator(chunk_size=2000):
                yield writer.writerow([entry.line, entry.outcome, entry.message])
            for line in run.summary.splitlines():
                yield writer.writerow(["", "summary", line.strip()])
            if run.error:
                yield writer.writerow(["", run.state, run.error])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stem = slugify(run.file_name.rsplit(".", 1)[0]) or "import"
        response["Content-Disposition"] = f'attachment; filename="{stem}-report-{run.pk}.csv"'
        return response

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        obj.file.delete(save=False)

    def delete_queryset(self, request, queryset):
        queryset = queryset.exclude(state__in=ImportRun.ACTIVE_STATES)  # a worker is on those
        names = [run.file.name for run in queryset if run.file]
        super().delete_queryset(request, queryset)
        for name in names:
            ImportRun.file.field.storage.delete(name)
