"""What the API answers and takes, as typed schemas: django-ninja validates the answers against
them and writes the OpenAPI description from them (docs/open-data.md lists the same fields)."""

from typing import Literal

from ninja import Field, Schema

from partnerships.models import Activity, Milestone, Partnership, Plan

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

PartialDate = str | None
Precision = Literal["year", "month", "day"] | None


class Error(Schema):
    error: str = Field(description="What is wrong, in words (English).")
    errors: dict[str, list[str]] | None = Field(
        None, description="The messages by parameter, when parameters were not valid."
    )


class Paging(Schema):
    page: int = Field(1, ge=1, description="The page, from 1.")
    limit: int = Field(
        PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"How many results a page holds (at most {MAX_PAGE_SIZE}).",
    )


class Page(Schema):
    count: int = Field(description="How many results there are in all.")
    page: int
    pages: int = Field(description="How many pages there are (at least 1).")
    limit: int
    next: str | None = Field(description="The next page's address; null on the last page.")
    previous: str | None = Field(description="The previous page's address; null on the first.")


# --- Parts ----------------------------------------------------------------------------------


class FocusAreaRef(Schema):
    id: int
    slug: str
    name: str
    url: str = Field(description="The topic's public page.")


class CityRef(Schema):
    id: int
    slug: str
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    country_name: str
    region: str
    latitude: float | None = Field(description="WGS 84 degrees, north positive.")
    longitude: float | None = Field(description="WGS 84 degrees, east positive.")
    url: str = Field(description="The city's public page.")


class Figure(Schema):
    id: int
    label: str
    qualifier: Literal["exact", "about", "more_than", "up_to"]
    value: float
    unit: str
    year: int | None
    note: str
    display: str = Field(description="In words, e.g. “about 780,000 inhabitants”.")


class CityWithFigures(CityRef):
    population: int | None
    population_year: int | None
    summary: str = Field(description="Markdown.")
    website: str
    figures: list[Figure]


class PartnershipRef(Schema):
    id: int
    slug: str
    title: str
    url: str = Field(description="The partnership's public page.")


class PartnershipHead(PartnershipRef):
    kind: Literal[tuple(Partnership.Kind.values)]
    kind_label: str
    status: Literal[tuple(Partnership.Status.values)]
    status_label: str
    established: PartialDate = Field(description="ISO 8601 to its precision: 2009, 2009-10…")
    established_precision: Precision
    established_display: str
    vitality: Literal[tuple(Partnership.Vitality.values)] = Field(
        description="How alive it is by its dated records: docs/intelligence.md."
    )
    vitality_label: str


# --- Partnerships ---------------------------------------------------------------------------


class PartnershipItem(PartnershipHead):
    city_a: CityRef
    city_b: CityRef
    focus_areas: list[FocusAreaRef]
    summary: str = Field(description="Markdown.")
    updated_at: str = Field(description="ISO 8601 date and time.")


class PartnershipPage(Page):
    results: list[PartnershipItem]


class MilestoneOut(Schema):
    id: int
    date: PartialDate
    date_precision: Precision
    date_display: str
    kind: Literal[tuple(Milestone.Kind.values)]
    kind_label: str
    title: str
    description: str = Field(description="Markdown.")
    location: str
    participants: str


class ActivityOut(Schema):
    id: int
    title: str
    kind: Literal[tuple(Activity.Kind.values)]
    kind_label: str
    start_date: PartialDate
    start_precision: Precision
    end_date: PartialDate = Field(description="The last day of the period, to its precision.")
    end_precision: Precision
    when_display: str
    focus_areas: list[FocusAreaRef]
    description: str = Field(description="Markdown.")
    location: str
    participants: str


class PlanOut(Schema):
    id: int
    title: str
    description: str = Field(description="Markdown.")
    focus_area: FocusAreaRef | None
    target_year: int | None
    status: Literal[tuple(Plan.Status.values)]
    status_label: str
    progress: Literal[tuple(Plan.Progress.values)] = Field(
        description="Against what was done: slipped when its target year passed undone."
    )
    progress_label: str
    activities: list[int] = Field(description="The ids of the activities that delivered it.")


class SourceOut(Schema):
    id: int
    title: str
    publisher: str
    year: int | None
    url: str
    note: str


class PartnershipDetail(PartnershipHead):
    cities: list[CityWithFigures] = Field(description="The two cities, A first.")
    focus_areas: list[FocusAreaRef]
    vitality_reason: str = Field(description="Why it has its vitality, in words.")
    summary: str = Field(description="Markdown, as are the other narrative sections.")
    character: str
    why_this_partner: str
    funding: str
    key_achievements: str
    future_expectations: str
    obstacles_and_needs: str
    milestones: list[MilestoneOut] = Field(description="Oldest first.")
    activities: list[ActivityOut] = Field(description="By start date, undated last.")
    plans: list[PlanOut]
    sources: list[SourceOut]
    figures: list[Figure]
    updated_at: str


class PartnershipFilters(Schema):
    """The partnership list page's filters (partnerships/filters.py PartnershipFilter)."""

    q: str | None = Field(None, description="Free text: city names, narrative, activities.")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code of either city.")
    city: str | None = Field(None, description="A city's slug, or part of its name.")
    focus_area: str | None = Field(None, description="A focus area's slug.")
    kind: Literal[tuple(Partnership.Kind.values)] | None = None
    status: Literal[tuple(Partnership.Status.values)] | None = None
    established_from: int | None = Field(None, description="Founded in or after this year.")
    established_to: int | None = Field(None, description="Founded in or before this year.")
    sort: Literal["name", "-name", "established", "-established", "updated", "-updated"] | None = (
        Field(None, description="Default: by city names (with q: best match first).")
    )


# --- Cities ---------------------------------------------------------------------------------


class CityItem(CityRef):
    partnership_count: int = Field(description="Its published partnerships.")


class CityPage(Page):
    results: list[CityItem]


class CityPartnership(PartnershipHead):
    partner: CityRef = Field(description="The other city.")
    focus_areas: list[FocusAreaRef]


class CityDetail(CityWithFigures):
    description: str = Field(description="Markdown.")
    image_credit: str
    partnership_count: int
    partnerships: list[CityPartnership] = Field(description="Oldest first.")


class CityFilters(Schema):
    """The city directory's filters (partnerships/filters.py CityFilter)."""

    q: str | None = Field(None, description="Part of the city's name, in any language.")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code.")


# --- Topics ---------------------------------------------------------------------------------


class FocusAreaOut(FocusAreaRef):
    description: str = Field(description="Markdown.")
    partnerships: str = Field(description="The API's list of its partnerships.")
    activities: str = Field(description="The API's list of its activities.")


class FocusAreaPage(Page):
    results: list[FocusAreaOut]


# --- Activities -----------------------------------------------------------------------------


class ActivityItem(ActivityOut):
    partnership: PartnershipRef
    url: str = Field(description="Its partnership's public page.")


class ActivityPage(Page):
    results: list[ActivityItem]


class ActivityFilters(Schema):
    """The activity list page's filters (partnerships/filters.py ActivityFilter)."""

    when: Literal["upcoming", "past", "undated"] | None = None
    date_from: str | None = Field(None, description="Starting on or after this day (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Starting on or before this day (YYYY-MM-DD).")
    kind: Literal[tuple(Activity.Kind.values)] | None = None
    focus_area: str | None = Field(None, description="A focus area's slug.")
    city: str | None = Field(None, description="A city's slug, or part of its name.")
    partnership: str | None = Field(None, description="A published partnership's slug.")
