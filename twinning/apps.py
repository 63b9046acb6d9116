from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Everything the public pages show. A change to any of them makes every cached page stale.
CONTENT_MODELS = [
    "cities.City",
    "cities.CityFigure",
    "partnerships.FocusArea",
    "partnerships.Partnership",
    "partnerships.Milestone",
    "partnerships.Activity",
    "partnerships.Plan",
    "partnerships.Source",
    "partnerships.PartnershipFigure",
]
CONTENT_LINKS = [
    ("partnerships.Partnership", "focus_areas"),
    ("partnerships.Activity", "focus_areas"),
    ("partnerships.Plan", "activities"),
]


class TwinningConfig(AppConfig):
    name = "twinning"
    verbose_name = "Twinning"

    def ready(self):
        # Signals, because every writer must invalidate: the admin, inlines, reverts, fixtures,
        # workflow moves and code. Bulk writers (imports, generators) bump the version themselves.
        from twinning.page_cache import bump_content_version
        from twinning.text_hygiene import guard_text_fields

        for label in CONTENT_MODELS:
            model = apps.get_model(label)
            uid = f"twinning-page-cache-{label}"
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-delete")
        for label, field in CONTENT_LINKS:
            through = getattr(apps.get_model(label), field).through
            m2m_changed.connect(
                bump_content_version,
                sender=through,
                dispatch_uid=f"twinning-page-cache-{label}-{field}",
            )
        # After modeltranslation (listed first), so its columns (title_de, …) are guarded too.
        for app_label in ("cities", "partnerships"):
            for model in apps.get_app_config(app_label).get_models():
                guard_text_fields(model)
