import datetime
import functools

import django_filters
from django import forms
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from cities.models import City
from cities.sizes import SizeBand
from core.choices import CountryChoices, country_choices
from core.compiled_rows import CompiledRows
from core.filtersets import QuickFilterSet
from core.translated import ORIGINAL, by_name, in_any_language, translated
from core.widgets import QuickSelectForm

from . import search
from .models import (
    Activity,
    FocusArea,
    FocusAreaActivityFigure,
    Partnership,
    public_city_count,
    published_count,
    published_in_country,
    published_past_count,
)


class YearFilter(django_filters.NumberFilter):
    """A four-digit year; anything else is a form error, never a server error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1000)
        kwargs.setdefault("max_value", 2200)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


def city_q(value, prefix=""):
    """A city by its exact slug or part of its name in any language ("Peking", "北京"), on
    either side of a partnership."""
    return (
        Q(**{f"{prefix}city_a__slug": value})
        | Q(**{f"{prefix}city_b__slug": value})
        | in_any_language(f"{prefix}city_a__name", "icontains", value)
        | in_any_language(f"{prefix}city_b__name", "icontains", value)
    )


class TranslatedOrderingFilter(django_filters.OrderingFilter):
    """Sorting by name sorts by what the visitor reads: the cities' names in the page's
    language, or the original where there is no translation (a plain order_by on the name
    would use the translation's column alone and put every untranslated name first or last)."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        terms = []
        for param in value:
            descending = param.startswith("-")
            if self.param_map.get(param.lstrip("-")) == "city_a__name":
                terms += [by_name("city_a__name", descending), by_name("city_b__name", descending)]
            else:
                terms.append(self.get_ordering_value(param))
        return qs.order_by(*terms, "pk")


def country_q(value, prefix=""):
    # Two `IN (cities of that country)` tests use the country and foreign-key indexes, where an
    # OR across two joins makes the database scan every partnership (docs/performance.md).
    cities = City.objects.filter(country=value).values("pk")
    return Q(**{f"{prefix}city_a__in": cities}) | Q(**{f"{prefix}city_b__in": cities})


class EqualsAny(Func):
    """PostgreSQL: `key = ANY(ARRAY(subquery))`, the keys the subquery gives as one array."""

    conditional = True
    output_field = BooleanField()
    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"


def country_any_q(value):
    """country_q() for PostgreSQL where the whole country is read and sorted (an order no index
    gives): each city column `= ANY(ARRAY(cities of that country))`. The array is read first,
    so PostgreSQL looks each side's partnerships up in its city index and ORs the two (a
    country's few thousand); the two `IN` tests it plans as hashed subplans over a scan of
    every partnership (France in German: 50–91 ms → 13–18). Not where the first page is found
    walking the cities' name index (the original language's order by name): with the true
    count known, PostgreSQL sorts the country instead (1.5 → 40–55 ms)."""
    cities = Subquery(City.objects.filter(country=value).order_by().values("pk"))
    return Q(EqualsAny(F("city_a"), cities)) | Q(EqualsAny(F("city_b"), cities))


class NameChoices(django_filters.fields.ModelChoiceIterator):
    """A model's menu from (key, name) rows: the choices the stock iterator gives (the label
    str() of each, its name in the active language or the fallback's) without an instance each
    (the focus areas' 21: 0.6 → 0.26 ms). For models whose __str__ is their name. A menu of
    all the rows in the model's order reads them by SQL compiled once (`_all_names`)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        queryset, key = self.queryset, self.field.to_field_name
        # modeltranslation writes the model's ordering into every queryset's order_by.
        ordering = tuple(queryset.query.order_by)
        if queryset.query.where or ordering not in ((), tuple(queryset.model._meta.ordering)):
            yield from queryset.values_list(key, "name")
        else:
            yield from _all_names(queryset.model, key, queryset.db, get_language()).rows()


@functools.lru_cache(maxsize=32)
def _all_names(model, key, db, language):
    """Every row's `key` and name in `language` (else the original's, as modeltranslation's
    fallback gives it), compiled once per model, language and database: building and compiling
    the values_list() cost twice running it, on every list page's focus-area menu."""
    rows = model._default_manager.using(db).rewrite(False)
    return CompiledRows(rows.values_list(key, translated("name", language)))


class NamedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = NameChoices


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NamedModelChoiceField


def focus_area_filter():
    """A focus area chosen by its slug, so links like ?focus_area=culture work."""
    return NamedModelChoiceFilter(
        label=_("Focus area"),
        field_name="focus_areas",
        to_field_name="slug",
        # The menu shows names; the descriptions in every language and the translation stamps
        # (JSON, decoded per row) would be read for nothing.
        queryset=FocusArea.objects.only("slug", "name"),
        empty_label=_("Any focus area"),
    )


class PartnershipFilter(QuickFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_text", max_length=search.MAX_QUERY_LENGTH
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"),
        choices=CountryChoices(),
        method="filter_country",
        empty_label=_("Any country"),
    )
    city = django_filters.CharFilter(label=_("City"), method="filter_city", max_length=200)
    focus_area = focus_area_filter()
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Partnership.Kind.choices, empty_label=_("Any kind")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Partnership.Status.choices, empty_label=_("Any status")
    )
    vitality = django_filters.ChoiceFilter(
        label=_("Vitality"),
        choices=Partnership.Vitality.choices,
        empty_label=_("Any vitality"),
        help_text=_("From the dated activities and milestones."),
    )
    established_from = YearFilter(
        label=_("Established from (year)"), method="filter_established_from"
    )
    established_to = YearFilter(label=_("Established until (year)"), method="filter_established_to")
    # Each order once, named for its direction, in this order. (Given `field_labels` instead,
    # django-filter looks a descending label up by the parameter, "-name", and makes a missing
    # one from the ascending label and "(descending)", in English at import time.)
    sort = TranslatedOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("city_a__name", "name"),
            ("established", "established"),
            ("updated_at", "updated"),
        ),
        choices=(
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("-established", _("Newest first")),
            ("established", _("Oldest first")),
            ("-updated", _("Recently updated")),
            ("updated", _("Least recently updated")),
        ),
        empty_label=None,  # see __init__
    )

    class Meta:
        model = Partnership
        fields = []
        form = QuickSelectForm

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # No sort chosen: by name (the list's own order), which "Name (A–Z)" already names, so
        # the menu has no empty choice and shows that one; while searching, best match first,
        # the empty choice, named so and chosen.
        if self.searching:
            self.filters["sort"].extra["empty_label"] = _("Best match")

    def form_key(self):
        return self.searching

    @property
    def searching(self):
        return bool(self.data and str(self.data.get("q") or "").strip())

    def unfiltered(self):
        """Whether `qs` is the queryset as given: no filter chosen, no sort, no search."""
        if not self.is_bound:
            return True
        return self.is_valid() and all(
            value in EMPTY_VALUES for value in self.form.cleaned_data.values()
        )

    def figure_count(self):
        """How many partnerships `qs` holds, where the maintained figures know it: unfiltered,
        or filtered by a country or a vitality or both; else None. For a filter set of every
        published partnership (an invalid one, of which the list shows none, is counted by its
        queryset)."""
        if not self.is_bound:
            return published_count()
        if not self.is_valid():
            return None
        chosen = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES and name != "sort"
        }
        if not chosen.keys() <= {"country", "vitality"}:
            return None
        if "country" not in chosen:
            return published_count(chosen.get("vitality"))
        return published_in_country(chosen["country"], chosen.get("vitality"))

    def filter_text(self, queryset, name, value):
        # Best match first; a sort the visitor picks (applied after this) replaces that order.
        return search.search(queryset, value)

    def filter_country(self, queryset, name, value):
        if connections[queryset.db].vendor == "postgresql" and not self.walks_names():
            return queryset.filter(country_any_q(value))
        return queryset.filter(country_q(value)).whole_rows_on_postgresql()

    def walks_names(self):
        """Whether the list's order is the one the cities' name index gives (by name in the
        original language, not a search), which the database may walk to find a page."""
        if get_language() != ORIGINAL or self.searching:
            return False
        sort = self.form.cleaned_data.get("sort")
        return not sort or all(term.lstrip("-") == "name" for term in sort)

    def filter_city(self, queryset, name, value):
        return queryset.filter(city_q(value))

    def filter_established_from(self, queryset, name, value):
        return queryset.filter(established__gte=datetime.date(value, 1, 1))

    def filter_established_to(self, queryset, name, value):
        return queryset.filter(established__lte=datetime.date(value, 12, 31))


class CityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_name", max_length=200)
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=country_choices, empty_label=_("Any country")
    )

    class Meta:
        model = City
        fields = []
        form = QuickSelectForm

    def figure_count(self):
        """How many cities `qs` holds when no filter applies, from the maintained counts
        (public_city_count()); else None. For a filter set of every public city; an invalid one
        (the list shows none) is counted by its queryset."""
        if self.is_bound and not (
            self.is_valid()
            and all(value in EMPTY_VALUES for value in self.form.cleaned_data.values())
        ):
            return None
        return public_city_count()

    def filter_name(self, queryset, name, value):
        return queryset.filter(in_any_language("name", "icontains", value))


class ActivityFilter(QuickFilterSet):
    WHEN_CHOICES = (
        ("upcoming", _("Upcoming")),
        ("past", _("Past")),
        ("undated", _("Without a date")),
    )

    when = django_filters.ChoiceFilter(
        label=_("When"), choices=WHEN_CHOICES, method="filter_when", empty_label=_("Any time")
    )
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="start_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        field_name="start_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Activity.Kind.choices, empty_label=_("Any kind")
    )
    focus_area = focus_area_filter()
    city = django_filters.CharFilter(label=_("City"), method="filter_city", max_length=200)
    # Reached from a partnership page's "all activities" links; kept while other filters change.
    partnership = django_filters.ModelChoiceFilter(
        label=_("Partnership"),
        to_field_name="slug",
        queryset=Partnership.objects.published().select_related("city_a", "city_b"),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("There is no published partnership “%(value)s”.")},
    )

    class Meta:
        model = Activity
        fields = []
        form = QuickSelectForm

    def figure_count(self):
        """How many published activities `qs` holds when a focus area is the only filter, from
        its maintained count (FocusAreaActivityFigure, the topic page's), or when "past" is,
        from the kept figures per year (published_past_count()); else None. Counted by the
        query, PostgreSQL read every activity of the area (60–75 ms for culture), or every past
        one (256,000: about 70 ms)."""
        if not (self.is_bound and self.is_valid()):
            return None
        chosen = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES
        }
        if chosen == {"when": "past"}:
            return published_past_count(timezone.localdate(), self.queryset.db)
        if chosen.keys() != {"focus_area"}:
            return None
        return (
            FocusAreaActivityFigure.objects.filter(focus_area=chosen["focus_area"].pk)
            .values_list("n", flat=True)
            .first()
            or 0
        )

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.upcoming(today)
        if value == "undated":
            return queryset.filter(start_date__isnull=True).order_by("id")
        return queryset.past(today)

    def filter_city(self, queryset, name, value):
        return queryset.filter(city_q(value, prefix="partnership__"))


class PartnerFinderForm(QuickSelectForm):
    """The partner finder's filters (GET): a bad value is a form error, never a server error."""

    # Read when iterated: the country names in the language of each request, not of the import.
    country = forms.ChoiceField(
        label=_("Country"), choices=CountryChoices(empty_label=_("Any country")), required=False
    )
    region = forms.CharField(label=_("Region"), max_length=200, required=False)
    size = forms.ChoiceField(
        label=_("Size"), choices=[("", _("Any size")), *SizeBand.choices], required=False
    )

    def filters(self):
        """The finder's keyword arguments from the cleaned data."""
        data = self.cleaned_data
        return {
            "country": data["country"],
            "region": data["region"].strip(),
            "size_band": data["size"],
        }
