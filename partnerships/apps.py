from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        # After modeltranslation (listed first) has added the translation fields, so that
        # every version holds each language (summary_en, summary_de, summary_zh_hans).
        from cities.models import register_public_rule

        from .models import register_history, with_a_published_partnership

        register_history()
        register_public_rule(with_a_published_partnership)
