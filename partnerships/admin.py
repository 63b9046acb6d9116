import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from .models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)

MARKDOWN_HELP = _(
    "These sections are written in Markdown: leave a blank line between paragraphs; "
    "*word* is italic, **word** is bold, a line starting with “- ” is a list item and "
    "[text](https://example.org) is a link. HTML and scripts are removed before visitors "
    "see the text."
)

# Web addresses typed without a scheme get https:// (Django 6's default; no warning on 5.2).
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}
PARTNERSHIP_SELECT_RELATED = ["partnership__city_a", "partnership__city_b"]
PARTNERSHIP_SEARCH = ["partnership__city_a__name", "partnership__city_b__name"]


def count_of(model, field):
    """A subquery counting `model` rows whose `field` points at the outer row."""
    return Coalesce(
        Subquery(
            model.objects.order_by()
            .filter(**{field: OuterRef("pk")})
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


# --- Inlines ---------------------------------------------------------------------------------


class SharedChoicesFormSet(BaseInlineFormSet):
    """Fetch each chooser's options once for the whole formset instead of once per form.

    Without this every inline row re-runs the query behind its select boxes, so a
    partnership with 200 activities would cost 200 queries per chooser.
    """

    shared_choice_fields = ()

    def limit_queryset(self, name, queryset):
        """Narrow the options of field `name`; by default keep them all."""
        return queryset

    @cached_property
    def shared_fields(self):
        shared = {}
        for name in self.shared_choice_fields:
            field = self.form.base_fields.get(name)
            if field is None:  # not on the form (e.g. read-only for this user)
                continue
            field = copy.deepcopy(field)
            queryset = field.queryset = self.limit_queryset(name, field.queryset)
            # iter(): a plain list() would first ask the iterator's length, an extra COUNT.
            shared[name] = (queryset, list(iter(field.choices)))
        return shared

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, (queryset, choices) in self.shared_fields.items():
            form.fields[name].queryset = queryset  # what the submitted value is checked against
            form.fields[name].choices = choices  # what is rendered


class MilestoneInline(admin.StackedInline):
    model = Milestone
    extra = 0
    show_change_link = True
    fields = [
        ("date", "date_precision"),
        ("kind", "title"),
        "description",
        ("location", "participants"),
    ]


class ActivityFormSet(SharedChoicesFormSet):
    shared_choice_fields = ["focus_areas"]


class ActivityInline(admin.StackedInline):
    model = Activity
    formset = ActivityFormSet
    extra = 0
    show_change_link = True
    fields = [
        ("title", "kind"),
        ("start_date", "start_precision"),
        ("end_date", "end_precision"),
        "focus_areas",
        "description",
        ("location", "participants"),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "focus_areas":
            # A handful of topics: tick boxes are the plainest chooser and need no script.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "focus_areas":
            # The "add another" pop-up cannot add a tick box; topics are added on their own page.
            formfield.widget.can_add_related = False
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("focus_areas")


class PlanFormSet(SharedChoicesFormSet):
    shared_choice_fields = ["focus_area", "activities"]

    def limit_queryset(self, name, queryset):
        if name != "activities":
            return queryset
        if self.instance.pk is None:  # a new partnership has no saved activities yet
            return queryset.none()
        return queryset.filter(partnership=self.instance)


class PlanInline(admin.StackedInline):
    model = Plan
    formset = PlanFormSet
    extra = 0
    show_change_link = True
    fields = [("title", "status"), ("focus_area", "target_year"), "description", "activities"]
    filter_horizontal = ["activities"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "activities":
            formfield.help_text = _(
                "The activities of this partnership that delivered the plan. "
                "New activities can be chosen here once the partnership has been saved."
            )
            # Adding an activity from here would not tie it to this partnership.
            formfield.widget.can_add_related = False
        return formfield

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("focus_area")
            .prefetch_related("activities")
        )


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    formfield_overrides = URL_FIELD_OVERRIDES
    fields = ["title", "publisher", "year", "url", "note"]


class PartnershipFigureInline(admin.TabularInline):
    model = PartnershipFigure
    extra = 0
    fields = ["label", "qualifier", "value", "unit", "year", "note", "position"]


# --- Partnership ----------------------------------------------------------------------------


class PartnershipCountryFilter(admin.SimpleListFilter):
    """Partnerships in which either city lies in the chosen country."""

    title = _("country (either city)")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        on_a = Partnership.objects.order_by().values_list("city_a__country", flat=True)
        on_b = Partnership.objects.order_by().values_list("city_b__country", flat=True)
        codes = set(on_a.union(on_b))
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        code = self.value()
        if code:
            return queryset.filter(Q(city_a__country=code) | Q(city_b__country=code))
        return queryset


class PartnershipAdminForm(forms.ModelForm):
    class Meta:
        model = Partnership
        fields = [
            "city_a",
            "city_b",
            "kind",
            "status",
            "established",
            "established_precision",
            "focus_areas",
            "is_published",
            "is_featured",
            "slug",
            *Partnership.NARRATIVE_FIELDS,
        ]
        help_texts = {
            "summary": _("Markdown. A short introduction: who, since when, what about."),
            "character": _(
                "Markdown. What kind of partnership this is, how it started and how long it "
                "has lasted."
            ),
            "funding": _("Markdown. Who pays for what."),
            "key_achievements": _("Markdown. What the partnership has achieved so far."),
            "future_expectations": _("Markdown. What both sides expect or plan next."),
            "obstacles_and_needs": _("Markdown. What stands in the way and what help is needed."),
            "established_precision": _(
                "How much of the date is known: with “Month” or “Year” the day (and month) "
                "you typed are ignored, and the site shows only “April 1994” or “1994”."
            ),
        }


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    form = PartnershipAdminForm
    list_display = [
        "title",
        "kind",
        "status",
        "established_display",
        "is_published",
        "is_featured",
    ]
    list_filter = [
        "is_published",
        "is_featured",
        "kind",
        "status",
        "focus_areas",
        PartnershipCountryFilter,
    ]
    search_fields = ["city_a__name", "city_b__name", "summary", "slug"]
    date_hierarchy = "established"
    list_select_related = ["city_a", "city_b"]
    autocomplete_fields = ["city_a", "city_b"]
    filter_horizontal = ["focus_areas"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["publish", "unpublish"]
    save_on_top = True
    inlines = [
        MilestoneInline,
        ActivityInline,
        PlanInline,
        SourceInline,
        PartnershipFigureInline,
    ]
    fieldsets = [
        (
            _("Cities and dates"),
            {
                "fields": [
                    ("city_a", "city_b"),
                    ("kind", "status"),
                    ("established", "established_precision"),
                ]
            },
        ),
        (_("Topics"), {"fields": ["focus_areas"]}),
        (
            _("Publishing"),
            {
                "fields": [("is_published", "is_featured"), "slug"],
                "description": _(
                    "Only published partnerships appear on the public site. The page address "
                    "(slug) is made from the two city names when left empty."
                ),
            },
        ),
        (
            _("Story"),
            {"fields": Partnership.NARRATIVE_FIELDS, "description": MARKDOWN_HELP},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # Also used by the change form and the partnership autocomplete: str() needs both cities.
        return super().get_queryset(request).select_related("city_a", "city_b")

    def view_on_site(self, partnership):
        # Unpublished partnerships have no public page yet.
        return partnership.get_absolute_url() if partnership.is_published else None

    @admin.display(description=_("partnership"), ordering="city_a__name")
    def title(self, partnership):
        return partnership.title

    @admin.display(description=_("established"), ordering="established")
    def established_display(self, partnership):
        return partnership.established_display

    def _set_published(self, request, queryset, published):
        to_change = Partnership.objects.filter(
            pk__in=queryset.values("pk"), is_published=not published
        ).select_related("city_a", "city_b")
        changed = list(to_change)
        Partnership.objects.filter(pk__in=[p.pk for p in changed]).update(
            is_published=published, updated_at=timezone.now()
        )
        if changed:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=changed,
                action_flag=CHANGE,
                change_message=str(_("Published.") if published else _("Unpublished.")),
            )
        unchanged = queryset.count() - len(changed)
        if published:
            message = ngettext(
                "%(count)d partnership was published.",
                "%(count)d partnerships were published.",
                len(changed),
            )
            rest = ngettext(
                "%(count)d was already published.", "%(count)d were already published.", unchanged
            )
        else:
            message = ngettext(
                "%(count)d partnership was unpublished.",
                "%(count)d partnerships were unpublished.",
                len(changed),
            )
            rest = ngettext(
                "%(count)d was already unpublished.",
                "%(count)d were already unpublished.",
                unchanged,
            )
        text = message % {"count": len(changed)}
        if unchanged:
            text = f"{text} {rest % {'count': unchanged}}"
        self.message_user(request, text, messages.SUCCESS if changed else messages.WARNING)

    @admin.action(description=_("Publish selected partnerships"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Unpublish selected partnerships"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


# --- Focus areas ----------------------------------------------------------------------------


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "partnership_count", "activity_count"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                partnership_total=count_of(Partnership.focus_areas.through, "focusarea"),
                activity_total=count_of(Activity.focus_areas.through, "focusarea"),
            )
        )

    @admin.display(description=_("partnerships"), ordering="partnership_total")
    def partnership_count(self, focus_area):
        return focus_area.partnership_total

    @admin.display(description=_("activities"), ordering="activity_total")
    def activity_count(self, focus_area):
        return focus_area.activity_total


# --- Records that belong to a partnership, listed on their own so staff can find them --------


class PartnershipChildAdmin(admin.ModelAdmin):
    """Shared set-up for records that belong to one partnership."""

    autocomplete_fields = ["partnership"]
    list_select_related = PARTNERSHIP_SELECT_RELATED

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partnership":
            # The chosen partnership is shown by its title, which needs both cities.
            kwargs["queryset"] = Partnership.objects.select_related("city_a", "city_b")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("published"), boolean=True, ordering="partnership__is_published")
    def partnership_published(self, obj):
        return obj.partnership.is_published


@admin.register(Activity)
class ActivityAdmin(PartnershipChildAdmin):
    list_display = ["title", "kind", "when", "partnership", "partnership_published"]
    list_filter = ["kind", "focus_areas", "partnership__is_published", "start_precision"]
    search_fields = ["title", "location", *PARTNERSHIP_SEARCH]
    date_hierarchy = "start_date"
    filter_horizontal = ["focus_areas"]
    fields = [
        "partnership",
        ("title", "kind"),
        ("start_date", "start_precision"),
        ("end_date", "end_precision"),
        "focus_areas",
        "description",
        ("location", "participants"),
    ]

    @admin.display(description=_("when"), ordering="start_date")
    def when(self, activity):
        return activity.when_display


@admin.register(Milestone)
class MilestoneAdmin(PartnershipChildAdmin):
    list_display = ["title", "kind", "date_display", "partnership", "partnership_published"]
    list_filter = ["kind", "partnership__is_published", "date_precision"]
    search_fields = ["title", "location", *PARTNERSHIP_SEARCH]
    date_hierarchy = "date"
    fields = [
        "partnership",
        ("date", "date_precision"),
        ("kind", "title"),
        "description",
        ("location", "participants"),
    ]

    @admin.display(description=_("date"), ordering="date")
    def date_display(self, milestone):
        return milestone.date_display


class PlanAdminForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "partnership",
            "title",
            "status",
            "focus_area",
            "target_year",
            "description",
            "activities",
        ]

    def clean(self):
        cleaned_data = super().clean()
        partnership = cleaned_data.get("partnership")
        activities = cleaned_data.get("activities")
        if partnership and activities:
            foreign = [a for a in activities if a.partnership_id != partnership.pk]
            if foreign:
                self.add_error(
                    "activities",
                    _("These activities belong to another partnership: %(titles)s.")
                    % {"titles": ", ".join(str(a) for a in foreign)},
                )
        return cleaned_data


@admin.register(Plan)
class PlanAdmin(PartnershipChildAdmin):
    form = PlanAdminForm
    list_display = ["title", "status", "target_year", "focus_area", "partnership"]
    list_filter = ["status", "focus_area", "partnership__is_published"]
    search_fields = ["title", *PARTNERSHIP_SEARCH]
    list_select_related = [*PARTNERSHIP_SELECT_RELATED, "focus_area"]
    filter_horizontal = ["activities"]
    fields = [
        "partnership",
        ("title", "status"),
        ("focus_area", "target_year"),
        "description",
        "activities",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "activities" in form.base_fields:
            field = form.base_fields["activities"]
            if obj is None:
                field.help_text = _(
                    "Save the plan first; then the activities of its partnership can be chosen."
                )
                field.queryset = field.queryset.none()
            else:
                field.queryset = field.queryset.filter(partnership=obj.partnership_id)
        return form


@admin.register(Source)
class SourceAdmin(PartnershipChildAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["title", "publisher", "year", "partnership"]
    search_fields = ["title", "publisher", "url", *PARTNERSHIP_SEARCH]
    fields = ["partnership", "title", "publisher", "year", "url", "note"]
