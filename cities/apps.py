from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "cities"
    verbose_name = _("Cities")

    def ready(self):
        # After modeltranslation (listed first) has added the translation fields, so that
        # every version holds each language (summary_en, summary_de, summary_zh_hans).
        from core.page_cache import invalidate_on_change
        from core.text_hygiene import guard_text_fields

        from .models import City, CityFigure, register_history

        register_history()
        # What the public pages show of cities: any change makes every cached page stale.
        invalidate_on_change(City, CityFigure)
        # After modeltranslation, so its columns (name_de, …) are guarded too.
        for model in self.get_models():
            guard_text_fields(model)
