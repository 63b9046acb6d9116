from django.contrib import admin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from .models import City, CityFigure


class CityFigureInline(admin.TabularInline):
    model = CityFigure
    extra = 0
    fields = ["label", "qualifier", "value", "unit", "year", "note", "position"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region", "population_display"]
    list_filter = [("country", CountryFilter)]
    # Also what the city autocomplete (partnership form) searches.
    search_fields = ["name", "region", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["image_preview", "updated_at"]
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
                "fields": ["image", "image_preview", "image_alt", "image_credit"],
                "description": _(
                    "A picture needs a short description (what it shows) and, "
                    "where the rights holder asks for it, a credit."
                ),
            },
        ),
        (_("Record"), {"fields": ["updated_at"], "classes": ["collapse"]}),
    ]

    def view_on_site(self, city):
        # The public lists a city only once one of its partnerships is published.
        is_public = (
            City.objects.filter(pk=city.pk)
            .filter(
                Q(partnerships_as_a__is_published=True) | Q(partnerships_as_b__is_published=True)
            )
            .exists()
        )
        return city.get_absolute_url() if is_public else None

    @admin.display(description=_("population"), ordering="population")
    def population_display(self, city):
        if city.population is None:
            return ""
        if city.population_year:
            return f"{intcomma(city.population)} ({city.population_year})"
        return intcomma(city.population)

    @admin.display(description=_("current picture"))
    def image_preview(self, city):
        if not city.image:
            return _("No picture yet.")
        return format_html(
            '<img src="{}" alt="{}" style="max-width: 320px; height: auto">',
            city.image.url,
            city.image_alt,
        )
