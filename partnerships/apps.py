from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def refresh_vitality(sender, instance, using, raw=False, **kwargs):
    from . import vitality

    if not raw:  # loaddata: the loading command refreshes them all at the end
        vitality.refresh_partnership(instance.partnership_id, using=using)


def vitality_after_migrate(sender, using, **kwargs):
    """Partnerships never assessed (just after the vitality columns came, or created since the
    last run with no record yet) get their state now rather than at night."""
    from . import vitality
    from .models import Partnership

    vitality.refresh(Partnership.objects.filter(vitality_as_of__isnull=True), using=using)


def figures_after_migrate(sender, using, **kwargs):
    """Triggers a migration dropped with their table (SQLite alters a table by making it
    anew) are made again, and the figures rebuilt (partnerships/figures.py)."""
    from . import figures

    figures.ensure(using)


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
            Contact,
            FocusArea,
            Milestone,
            PartnerSearch,
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
            Contact,
            PartnerSearch,
            links=[
                (Partnership, "focus_areas"),
                (Activity, "focus_areas"),
                (Plan, "activities"),
                (PartnerSearch, "focus_areas"),
            ],
        )
        # A record's change changes its partnership's vitality (partnerships/vitality.py).
        for record in (Activity, Milestone, Plan):
            post_save.connect(
                refresh_vitality, sender=record, dispatch_uid=f"vitality-{record.__name__}"
            )
            post_delete.connect(
                refresh_vitality, sender=record, dispatch_uid=f"vitality-del-{record.__name__}"
            )
        post_migrate.connect(vitality_after_migrate, sender=self, dispatch_uid="vitality-migrate")
        post_migrate.connect(figures_after_migrate, sender=self, dispatch_uid="figures-migrate")
        # After modeltranslation, so its columns (title_de, …) are guarded too.
        for model in self.get_models():
            guard_text_fields(model)
