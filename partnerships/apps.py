from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = _("Partnerships")

    def ready(self):
        # After modeltranslation (listed first) has added the translation fields, so that
        # every version holds each language (summary_en, summary_de, summary_zh_hans).
        from cities.models import register_public_rule
        from cities.permissions import register_partner_rule
        from core.page_cache import invalidate_on_change
        from core.text_hygiene import guard_text_fields

        from .models import (
            Activity,
            FocusArea,
            Milestone,
            Partnership,
            PartnershipFigure,
            Plan,
            Source,
            partners_of,
            register_history,
            with_a_published_partnership,
        )

        register_history()
        register_public_rule(with_a_published_partnership)
        register_partner_rule(partners_of)
        # Everything the public pages show of partnerships: any change makes every cached
        # page stale.
        invalidate_on_change(
            FocusArea,
            Partnership,
            Milestone,
            Activity,
            Plan,
            Source,
            PartnershipFigure,
            links=[(Partnership, "focus_areas"), (Activity, "focus_areas"), (Plan, "activities")],
        )
        # After modeltranslation, so its columns (title_de, …) are guarded too.
        for model in self.get_models():
            guard_text_fields(model)
