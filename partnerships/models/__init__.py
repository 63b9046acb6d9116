"""The partnerships app's models, by concern: topics, the partnership, what is recorded
about it, imports, and staff notification preferences. Django and the migrations find them all
here."""

import reversion

from .figures import (
    ActivityYearFigure,
    CityPartnershipCount,
    CountryFigure,
    CountryPairFigure,
    FocusAreaActivityFigure,
    FocusAreaFigure,
    FoundingYearFigure,
    public_city_count,
    published_count,
    published_in_country,
)
from .imports import ImportRun, ImportRunEntry
from .media import Document, Picture
from .memory import Contact, ContactQuerySet
from .notifications import NotificationPreferences, NotificationPreferencesQuerySet
from .partnership import (
    SLUG_BASE_LENGTH,
    Partnership,
    PartnershipQuerySet,
    WorkflowError,
    listed_cities,
    partners_of,
    partnership_slug_base,
    prefetch_page,
    public_cities,
    published_page,
    unique_slug,
    with_a_published_partnership,
)
from .records import (
    Activity,
    ActivityQuerySet,
    ActivitySection,
    Milestone,
    PartnershipFigure,
    PartnershipRecordQuerySet,
    Plan,
    Source,
    count_published,
    listed_activities,
    partnership_keys_and_dates,
    published_past_count,
    upcoming_q,
    with_focus_areas,
)
from .review import PendingChange, ReviewNote
from .seeking import PartnerSearch, PartnerSearchQuerySet
from .topics import FocusArea

# The media library's rows (not their files) after the records they can be attached to.
PARTNERSHIP_PARTS = (
    "milestones",
    "activities",
    "plans",
    "sources",
    "figures",
    "pictures",
    "documents",
    "contacts",
)


def register_history():
    for model, options in [
        (Partnership, {"follow": PARTNERSHIP_PARTS}),
        (Milestone, {}),
        (Activity, {}),
        (Plan, {}),
        (Source, {}),
        (PartnershipFigure, {}),
        (Picture, {}),
        (Document, {}),
        (Contact, {}),
        (FocusArea, {}),
    ]:
        if reversion.is_registered(model):  # VersionAdmin registers its model on its own
            reversion.unregister(model)
        reversion.register(model, **options)


__all__ = [
    "SLUG_BASE_LENGTH",
    "PARTNERSHIP_PARTS",
    "Activity",
    "ActivityQuerySet",
    "ActivityYearFigure",
    "ActivitySection",
    "CityPartnershipCount",
    "Contact",
    "ContactQuerySet",
    "CountryFigure",
    "CountryPairFigure",
    "Document",
    "FocusArea",
    "FocusAreaActivityFigure",
    "FocusAreaFigure",
    "FoundingYearFigure",
    "ImportRun",
    "ImportRunEntry",
    "Milestone",
    "NotificationPreferences",
    "NotificationPreferencesQuerySet",
    "Partnership",
    "PartnerSearch",
    "PartnerSearchQuerySet",
    "PartnershipFigure",
    "PartnershipQuerySet",
    "PartnershipRecordQuerySet",
    "PendingChange",
    "Picture",
    "Plan",
    "ReviewNote",
    "Source",
    "WorkflowError",
    "count_published",
    "partners_of",
    "prefetch_page",
    "partnership_keys_and_dates",
    "published_page",
    "published_past_count",
    "partnership_slug_base",
    "listed_activities",
    "listed_cities",
    "public_cities",
    "public_city_count",
    "published_count",
    "published_in_country",
    "register_history",
    "unique_slug",
    "upcoming_q",
    "with_a_published_partnership",
    "with_focus_areas",
]
