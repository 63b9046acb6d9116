"""The partnership admin's scheduling and review dates (issue 19; partnerships/scheduling.py).

- The form: "go live at" and "take down at", set by publishers only (read-only for editors),
  checked next to the fields: the take-down after the go-live, no time in the past, no go-live
  for what is already published. Saving a changed schedule makes the user its publisher
  (`scheduled_by`), as whom the scheduler acts.
- `calendar/?month=2026-12`: the month's go-lives and take-downs, week by week.
- `due-for-review/`: published partnerships past their review date, per city.
- `<id>/reviewed/` (POST) and the list action: "Reviewed, still correct".

Every page shows only the user's cities' partnerships (the admin's scoped queryset); one outside
them answers 404. `ScheduleAdmin` goes first in PartnershipAdmin's bases, `ScheduleForm` in its
form's.
"""

import calendar
import datetime
import re

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format, get_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cities.models import City
from cities.permissions import is_unrestricted, own_city_ids

from .. import permissions, scheduling

SCHEDULE_FIELDS = ["go_live_at", "take_down_at"]
REVIEW_FIELDS = ["review_by", "last_reviewed_at", "last_reviewed_by"]
# Kept as they are when an older version is restored (a revert is never a publishing decision,
# and a review stays done).
KEPT_ON_REVERT = [*SCHEDULE_FIELDS, "scheduled_by", *REVIEW_FIELDS]
SCHEDULE_FIELDSET = (
    _("Schedule and review"),
    {
        "fields": [
            ("go_live_at", "take_down_at"),
            "scheduled_by",
            "review_by",
            ("last_reviewed_at", "last_reviewed_by"),
        ],
        "description": _(
            "Publishers can have a partnership published (“go live at”) or unpublished (“take "
            "down at”) at a set time; it happens within a minute of it, in their name. "
            "“Review by”: when staff should next check that the published page is still "
            "correct; “Reviewed, still correct” at the top of the page moves it on."
        ),
    },
)
MONTH = re.compile(r"(\d{4})-(\d{2})")


class ScheduleForm:
    """For the partnership's admin form: the schedule's rules, as errors next to its fields."""

    def clean(self):
        cleaned_data = super().clean()
        instance = self.instance

        def value(name):
            return cleaned_data.get(name) if name in self.fields else getattr(instance, name)

        changed = set(self.changed_data)
        # The current minute is not past: a publisher may pick "now".
        now = timezone.now().replace(second=0, microsecond=0)
        for name in SCHEDULE_FIELDS:
            when = value(name)
            if name in changed and when is not None and when < now:
                self.add_error(
                    name, _("This time is in the past. Choose a later one, or leave it empty.")
                )
        go_live, take_down = value("go_live_at"), value("take_down_at")
        if "go_live_at" in changed and go_live is not None and instance.is_published:
            self.add_error(
                "go_live_at",
                _("This partnership is already published. Leave “go live at” empty."),
            )
        if go_live is not None and take_down is not None and take_down <= go_live:
            self.add_error(
                "take_down_at" if "take_down_at" in self.fields else None,
                _("The take-down must come after the go-live."),
            )
        return cleaned_data


class ScheduleAdmin:
    """PartnershipAdmin's scheduling and review pages, action and read-only fields."""

    # reversion's list (with "Recover deleted") plus links to the calendar and the report.
    change_list_template = "admin/partnerships/partnership/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            *super().get_readonly_fields(request, obj),
            "scheduled_by",
            "last_reviewed_at",
            "last_reviewed_by",
        ]
        if not permissions.can_publish(request.user):
            readonly += SCHEDULE_FIELDS  # nothing is published without a publisher
        return list(dict.fromkeys(readonly))

    def save_model(self, request, obj, form, change):
        if not set(SCHEDULE_FIELDS).isdisjoint(form.changed_data):
            scheduled = obj.go_live_at is not None or obj.take_down_at is not None
            obj.scheduled_by = request.user if scheduled else None
        super().save_model(request, obj, form, change)

    def has_review_permission(self, request, obj=None):
        """Editors and publishers mark their cities' published partnerships as reviewed (the
        scope is the queryset's), though editors may not change them: a review changes no
        content."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_mark_reviewed"] = (
            obj is not None and obj.is_published and self.has_review_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- URLs -----------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("calendar/", view(self.calendar_view), name=f"{info}_calendar"),
            path("due-for-review/", view(self.due_for_review_view), name=f"{info}_due_for_review"),
            path(
                "<path:object_id>/reviewed/",
                view(self.reviewed_view),
                name=f"{info}_reviewed",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **extra,
        }

    def _require_view_permission(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied

    # --- The calendar ---------------------------------------------------------------------

    def calendar_view(self, request):
        self._require_view_permission(request)
        today = timezone.localdate()
        year, month = _month(request.GET.get("month"), today)
        first_weekday = (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7  # Django: 0 is Sunday
        weeks = calendar.Calendar(first_weekday).monthdatescalendar(year, month)
        start, end = weeks[0][0], weeks[-1][-1] + datetime.timedelta(days=1)
        events = scheduling.events_between(
            self.get_queryset(request), _midnight(start), _midnight(end)
        )
        by_day = {}
        for event in events:
            by_day.setdefault(timezone.localdate(event.at), []).append(event)
        first = datetime.date(year, month, 1)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        following = (first + datetime.timedelta(days=31)).replace(day=1)
        days = [(first_weekday + i) % 7 for i in range(7)]
        context = self._context(
            request,
            _("Scheduled publishing: %(month)s")
            % {"month": date_format(first, "YEAR_MONTH_FORMAT")},
            weekdays=[(WEEKDAYS[day], WEEKDAYS_ABBR[day]) for day in days],
            weeks=[
                [
                    {
                        "date": day,
                        "in_month": day.month == month,
                        "is_today": day == today,
                        "events": by_day.get(day, []),
                    }
                    for day in week
                ]
                for week in weeks
            ],
            month_label=date_format(first, "YEAR_MONTH_FORMAT"),
            previous=_month_link(previous),
            following=_month_link(following),
            this_month=None if (year, month) == (today.year, today.month) else _month_link(today),
            month_has_events=any(timezone.localdate(event.at).month == month for event in events),
        )
        return TemplateResponse(request, "admin/partnerships/partnership/calendar.html", context)

    # --- Due for review -------------------------------------------------------------------

    def due_for_review_view(self, request):
        self._require_view_permission(request)
        today = timezone.localdate()
        rows = scheduling.due_for_review(
            self.get_queryset(request).select_related("last_reviewed_by"), today
        )
        user = request.user
        # Grouped under the cities whose staff look after them: the user's own; for a
        # superuser every city with staff (the rest under "without assigned staff").
        own = (
            City.objects.filter(staff__isnull=False)
            if is_unrestricted(user)
            else City.objects.filter(pk__in=own_city_ids(user))
        )
        own_ids = set(own.values_list("pk", flat=True))
        groups = {}
        for partnership in rows:
            partnership.days_overdue = (today - partnership.review_by).days
            cities = [city for city in partnership.cities if city.pk in own_ids] or [None]
            for city in cities:
                groups.setdefault(city, []).append(partnership)
        ordered = sorted(
            groups.items(), key=lambda item: (item[0] is None, item[0] and item[0].name.lower())
        )
        count = len({p.pk for partnerships in groups.values() for p in partnerships})
        context = self._context(
            request,
            _("Due for review"),
            groups=ordered,
            count=count,
            today=today,
            may_mark_reviewed=self.has_review_permission(request),
        )
        return TemplateResponse(
            request, "admin/partnerships/partnership/due_for_review.html", context
        )

    # --- Reviewed, still correct ----------------------------------------------------------

    def reviewed_view(self, request, object_id):
        partnership = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_review_permission(request, partnership):
            raise PermissionDenied
        self.mark_reviewed(request, [partnership])
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[quote(partnership.pk)],
            )
        return HttpResponseRedirect(target)

    @admin.action(description=_("Reviewed, still correct"), permissions=["review"])
    def mark_reviewed(self, request, queryset):
        reviewed = []
        for partnership in queryset:
            if not partnership.is_published:
                self.message_user(
                    request,
                    _("“%(partnership)s” is not published: it has no review date.")
                    % {"partnership": partnership},
                    messages.WARNING,
                )
                continue
            scheduling.mark_reviewed(partnership, request.user)
            reviewed.append(partnership)
        if reviewed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d partnership marked as reviewed, still correct; next review by "
                    "%(date)s.",
                    "%(count)d partnerships marked as reviewed, still correct; next review by "
                    "%(date)s.",
                    len(reviewed),
                )
                % {"count": len(reviewed), "date": date_format(reviewed[0].review_by)},
                messages.SUCCESS,
            )


def _month(value, today):
    """(year, month) from "2026-12"; this month for anything else."""
    match = MONTH.fullmatch(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if 1900 <= year <= 9998 and 1 <= month <= 12:
            return year, month
    return today.year, today.month


def _month_link(day):
    return {
        "month": f"{day.year:04d}-{day.month:02d}",
        "label": date_format(day, "YEAR_MONTH_FORMAT"),
    }


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
