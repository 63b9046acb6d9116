from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core import images, translated
from core.choosers import OffersWhatTheFormAccepts, autocomplete_source
from core.edit_conflicts import GuardedAdmin
from core.labelled_inlines import LabelledCells
from core.translation_admin import MarkLanguages, OriginalColumnNames, StampTranslations
from history.admin import HistoryAdmin

from .models import CITY_PARTS, City, CityFigure
from .permissions import cities_in_scope, is_unrestricted


class CityFigureFormSet(OriginalColumnNames, BaseInlineFormSet):
    pass


class CityFigureInline(GuardedAdmin, LabelledCells, MarkLanguages, TranslationTabularInline):
    model = CityFigure
    formset = CityFigureFormSet
    extra = 0
    fields = ["label", "qualifier", "value", "unit", "year", "note", "position"]


# City choosers on other apps' forms that offer every city, not only the staff member's own
# ("app_label.model", field name). The apps register them (partnerships: a partner city can be
# anywhere); cities name none of them.
OPEN_CITY_CHOOSERS = set()


def is_open_city_lookup(request):
    """An autocomplete request from a city chooser that offers every city."""
    source = autocomplete_source(request)
    return source is not None and (source[0]._meta.label_lower, source[1].name) in (
        OPEN_CITY_CHOOSERS
    )


@admin.register(City)
class CityAdmin(
    images.PictureAdminMixin,
    GuardedAdmin,
    OffersWhatTheFormAccepts,
    StampTranslations,
    TranslationAdmin,
    HistoryAdmin,
):
    """Staff other than superusers see and change only the cities assigned to them.

    That holds for the history too (history/admin.py): history, compare and revert
    go through `get_object`, and only a deleted city's superusers can recover it, since its
    staff assignments go with it (they are permissions, not content, and never versioned).
    """

    list_display = ["name", "country", "region", "population_display", "renditions_display"]
    # Staff find the pictures whose renditions could not be made (cities/tasks.py).
    list_filter = [("country", CountryFilter), "image_renditions_state"]
    # Also what the city autocomplete (partnership form) searches: names in every language
    # ("Bei", "Pek" and "北京" all find Beijing).
    search_fields = [*translated.columns("name"), *translated.columns("region"), "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["image_preview", "renditions_display", "updated_at"]
    inlines = [CityFigureInline]
    save_on_top = True
    # Web addresses typed without a scheme get https:// (Django 6's default; no warning on 5.2).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "country", "region"]}),
        (
            _("Location"),
            {
                "fields": [("latitude", "longitude")],
                "description": _(
                    "Decimal degrees, e.g. 51.05089 and 13.73832 for Dresden. "
                    "Give both or leave both empty; without them the city is not on the map."
                ),
            },
        ),
        (_("Population"), {"fields": [("population", "population_year")]}),
        (_("Profile"), {"fields": ["summary", "description", "website"]}),
        (
            _("Picture"),
            {
                "fields": [
                    "image",
                    "image_preview",
                    "renditions_display",
                    "image_alt",
                    "image_credit",
                ],
                "description": _(
                    "A picture needs a short description (what it shows) and, "
                    "where the rights holder asks for it, a credit."
                ),
            },
        ),
        (_("Record"), {"fields": ["updated_at"], "classes": ["collapse"]}),
    ]
    filter_horizontal = ["staff"]
    history_parts = CITY_PARTS

    class Media:
        # The picture preview's size (the Content-Security-Policy allows no inline style).
        css = {"all": ["css/admin_cities.css"]}

    def get_queryset(self, request):
        cities = super().get_queryset(request)
        if is_open_city_lookup(request):
            return cities
        return cities_in_scope(request.user, cities)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("There is no such city among the ones you look after."))
        return obj

    def versions_in_scope(self, request, versions):
        versions = list(versions)
        if is_unrestricted(request.user):
            return versions
        stored = City.objects.filter(pk__in={version.object_id for version in versions})
        own = {str(pk) for pk in cities_in_scope(request.user, stored).values_list("pk", flat=True)}
        return [version for version in versions if version.object_id in own]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if is_unrestricted(request.user):
            description = _("Staff members who may edit this city and its partnerships.")
            # Someone new is invited (an account with a role and a way to sign in), not made
            # here: the "+" of the picker is replaced by this link (formfield_for_dbfield).
            invite_url = reverse("staff_invite")
            if obj is not None:
                invite_url += "?" + urlencode({"city": obj.pk})
            description = format_html(
                '{} <a href="{}" class="addlink" id="invite-staff-link">{}</a>',
                description,
                invite_url,
                _("Invite someone new"),
            )
            fieldsets.insert(-1, (_("Staff"), {"fields": ["staff"], "description": description}))
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "staff" and formfield is not None:
            # Django's "+" would make an account without staff status or role (it cannot sign
            # in): the fieldset's "Invite someone new" link takes its place.
            formfield.widget.can_add_related = False
        return formfield

    def view_on_site(self, city):
        # The public lists a city only once one of its partnerships is published.
        is_public = City.objects.filter(pk=city.pk).public().exists()
        return city.get_absolute_url() if is_public else None

    @admin.display(description=_("population"), ordering="population")
    def population_display(self, city):
        if city.population is None:
            return ""
        if city.population_year:
            return f"{intcomma(city.population)} ({city.population_year})"
        return intcomma(city.population)

    @admin.display(description=_("renditions"), ordering="image_renditions_state")
    def renditions_display(self, city):
        if not city.image or not city.image_renditions_state:
            return ""
        return city.get_image_renditions_state_display()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        failed = images.RenditionsState.FAILED
        if request.method == "GET" and obj and obj.image and obj.image_renditions_state == failed:
            messages.error(
                request,
                _(
                    "The renditions of this city's picture could not be made, so pages show "
                    "the picture itself, scaled down by the browser. Upload it again; if "
                    "that fails too, the error log says why."
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("current picture"))
    def image_preview(self, city):
        picture = city.picture
        if picture is None:
            return _("No picture yet.")
        if picture.srcset:
            return format_html(
                '<img src="{}" srcset="{}" sizes="20rem" alt="{}" class="city-image-preview">',
                picture.src,
                picture.srcset,
                city.image_alt,
            )
        return format_html(
            '<img src="{}" alt="{}" class="city-image-preview">', picture.src, city.image_alt
        )
