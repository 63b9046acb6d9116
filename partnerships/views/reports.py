"""Annual reports of a partnership and of a city, as a page, a PDF and a CSV file
(partnerships/reports.py says what a report holds and why)."""

from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from core import charts
from core.pdf import PdfUnavailable, render_pdf

from .. import reports
from ..models import Activity, Milestone, Partnership, public_cities
from ..opendata.exports import csv_document

FORMATS = ("html", "pdf", "csv")


def partnership_subject(slug):
    """The published partnership, as a list of one, and its years with records."""
    partnership = get_object_or_404(
        Partnership.objects.published().select_related("city_a", "city_b"), slug=slug
    )
    years = reports.record_years(
        Activity.objects.filter(partnership=partnership),
        Milestone.objects.filter(partnership=partnership),
    )
    return partnership, [partnership], years


def city_subject(slug):
    """The public city, its published partnerships (earliest first) and their years."""
    city = get_object_or_404(public_cities(), slug=slug)
    partnerships = list(
        Partnership.objects.published()
        .involving(city)
        .select_related("city_a", "city_b")
        .order_by(F("established").asc(nulls_last=True), "id")
    )
    years = reports.record_years(
        Activity.objects.published().involving(city),
        Milestone.objects.published().involving(city),
    )
    return city, partnerships, years


def report_links(partnerships, years, today):
    """The years a partnership or city page links to a report of, newest first."""
    begins = reports.beginning(partnerships, years, today)
    return reports.years_with_records(years, begins, today)


def respond(request, kind, slug, year, fmt):
    subject_of = partnership_subject if kind == "partnership" else city_subject
    subject, partnerships, years = subject_of(slug)
    today = timezone.localdate()
    begins = reports.beginning(partnerships, years, today)
    refusal = reports.refusal(year, begins, today, city=kind == "city")
    context = {
        "kind": kind,
        "city_report": kind == "city",
        "subject": subject,
        "name": subject.title if kind == "partnership" else subject.name,
        "year": year,
        "url_name": f"{kind}_report",
        "subject_url_name": f"{kind}_detail",
    }
    if refusal:
        return TemplateResponse(
            request, "partnerships/report_missing.html", {**context, "refusal": refusal}, status=404
        )
    report = reports.build(partnerships, year, today, years, begins)
    context["report"] = report
    context["chart"] = charts.responsive(
        charts.column_chart,
        report.chart_rows,
        chart_id="report-chart",
        title=gettext("Activities per year up to %(year)s") % {"year": year},
    )
    filename = f"{subject.slug}-{year}-{get_language()}"
    if fmt == "csv":
        response = HttpResponse(
            csv_document(reports.CSV_COLUMNS, reports.csv_rows(report)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "pdf":
        html = render_to_string("partnerships/report_document.html", context, request)
        try:
            pdf = render_pdf(html)
        except PdfUnavailable:
            return TemplateResponse(
                request, "partnerships/report_unavailable.html", context, status=503
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
        return response
    return TemplateResponse(request, "partnerships/report.html", context)


@require_safe
def partnership_report(request, slug, year, fmt="html"):
    """/partnerships/<slug>/report/<year>/ (and report.pdf, report.csv)"""
    return respond(request, "partnership", slug, year, fmt)


@require_safe
def city_report(request, slug, year, fmt="html"):
    """/cities/<slug>/report/<year>/ (and report.pdf, report.csv): all its published
    partnerships, one after the other."""
    return respond(request, "city", slug, year, fmt)
