"""A database router for the maintained figures (models/figures.py)."""


class DerivedFiguresRouter:
    """The maintained figures are the triggers' to write (partnerships/figures.py): `dumpdata`
    leaves them out, as it asks the routers which models are the database's own, so that
    `loaddata` never adds them to what the triggers count from the loaded rows. (Unmanaged
    alone does not keep a model out of a dump.)"""

    MODELS = frozenset(
        {
            "countrypairfigure",
            "countryfigure",
            "activityyearfigure",
            "foundingyearfigure",
            "focusareafigure",
            "focusareaactivityfigure",
            "citypartnershipcount",
        }
    )

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "partnerships" and model_name in self.MODELS:
            return False
        return None
