"""The partner finder: cities a city is not yet twinned with, each with its reasons in words.

Candidates come from the database, each source limited to a few hundred cities and read
through indexes: partners of its partners (a join on the partnerships), cities twinned with
cities like it (same country and size), cities whose partnerships share its focus areas,
cities of similar size (a range of the population index, nearest first) and cities whose
"seeking a partner" listing describes it. Only those candidates are scored in Python; the
reasons of the top ones are then filled in (names of the shared partners and focus areas,
distance and time difference). A fixed number of queries, whatever the data: see
tests/partnerships/test_partner_finder.py.
"""

import itertools
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities import geography, sizes
from cities.models import City
from core.translated import translated

from .models import FocusArea, PartnerSearch, Partnership

SUGGESTIONS = 20  # shown
CANDIDATES = 200  # read from each source before scoring
FOCUS_SAMPLE = 3000  # links of partnerships to its focus areas read, the latest first
LOADED = 100  # the best of them by what the sources say, read as cities and scored in full
NAMED = 3  # partners and focus areas named in a reason

# What each reason adds to the score; counts are capped so no one source swamps the rest.
WEIGHTS = {
    "partner_of_partner": 3.0,  # per shared partner, up to NAMED
    "focus_area": 2.0,  # per shared focus area, up to NAMED
    "similar_size": 2.0,
    "twinned_like_you": 0.75,  # per twin in the same country (and size), up to 4
    "seeks_you": 5.0,  # its listing describes the asking city
    "you_seek": 2.0,  # it matches the asking city's own listing
    "near_in_time": 0.5,  # three hours or less apart: easy to call
}
LIKE_YOU_CAP = 4


@dataclass
class Suggestion:
    city: City
    score: float = 0.0
    partners_shared: int = 0
    focus_shared: int = 0
    similar_size: bool = False
    twinned_like_you: int = 0
    listing: PartnerSearch | None = None  # its listing, when it describes the asking city
    matches_own_listing: bool = False
    via: list = field(default_factory=list)  # names of the shared partners
    focus_areas: list = field(default_factory=list)  # names of the shared focus areas
    geo: geography.Geography | None = None  # distance and time difference
    reasons: list = field(default_factory=list)


def public_q(city="pk"):
    """The public cities (with a published partnership) as one EXISTS with an OR inside, on
    the city whose key is at `city` ("city_id" from a listing). `City.objects.public()` is an
    OR of two EXISTS, which PostgreSQL runs as two hashed subplans over every published
    partnership (about 14 ms at world scale) even when an index yields a hundred cities; this
    form is checked per city through the two city indexes."""
    return Exists(
        Partnership.objects.published().filter(Q(city_a=OuterRef(city)) | Q(city_b=OuterRef(city)))
    )


def _join(names):
    return ", ".join(str(name) for name in names)


def _grouped(queryset, side, other, limit=CANDIDATES):
    """{city id on `side`: number of distinct `other`} for the `limit` largest counts."""
    rows = (
        queryset.values(side).annotate(n=Count(other, distinct=True)).order_by("-n", side)[:limit]
    )
    return {row[side]: row["n"] for row in rows}


def _both_sides(published, source_ids, pool):
    """Cities of the pool twinned (published) with cities of `source_ids`: {id: how many}.
    Such a city is public (it has a published partnership): the pool needs no test of that."""
    found = _grouped(published.filter(pool("city_b__"), city_a__in=source_ids), "city_b", "city_a")
    for pk, n in _grouped(
        published.filter(pool("city_a__"), city_b__in=source_ids), "city_a", "city_b"
    ).items():
        found[pk] = found.get(pk, 0) + n
    return found


def candidate_pool(excluded, *, country="", region="", size_band=""):
    """`pool(prefix)`: a condition on the city at `prefix` ("" for City itself) matching the
    cities that may be suggested (not `excluded`) with the visitor's filters. Conditions, not a
    subquery: the sources that start from partnerships join a city only when filtered."""
    excluded = list(excluded)

    def pool(prefix=""):
        q = ~Q(**{f"{prefix.removesuffix('__') or 'pk'}__in": excluded})
        if country:
            q &= Q(**{f"{prefix}country": country})
        if region:
            q &= Q(**{f"{prefix}region__iexact": region})
        if size_band:
            q &= sizes.population_q(size_band, prefix)
        return q

    return pool


def listings_describing(city, today):
    """Current listings (of other cities) that look for a city like `city`: by size band and
    country in the database, by region in Python."""
    band = sizes.band_of(city.population)
    listings = PartnerSearch.objects.current(today).exclude(city=city)
    listings = listings.filter(Q(size_band="") | Q(size_band=band or "-"))
    code = city.country.code if city.country else ""
    # Stored as "DE,FR": two-letter codes between commas never match across a comma.
    listings = listings.filter(Q(countries="") | Q(countries__contains=code))
    return listings


def suggest(city, *, country="", region="", size_band="", limit=SUGGESTIONS, today=None):
    """The best `limit` suggestions for `city`, best first."""
    today = today or timezone.localdate()
    published = Partnership.objects.published().order_by()

    twinned, published_partners = set(), set()
    for a, b, state in (
        Partnership.objects.involving(city).order_by().values_list("city_a", "city_b", "state")
    ):
        other = b if a == city.pk else a
        twinned.add(other)
        if state == Partnership.State.PUBLISHED:
            published_partners.add(other)
    focus = {
        area.pk: area
        for area in FocusArea.objects.filter(
            Exists(
                Partnership.focus_areas.through.objects.filter(
                    focusarea=OuterRef("pk"),
                    partnership__in=published.involving(city),
                )
            )
        )
    }
    own_listing = PartnerSearch.objects.current(today).filter(city=city).first()

    pool = candidate_pool({city.pk, *twinned}, country=country, region=region, size_band=size_band)
    found = {}

    def add(counts, attribute):
        for pk, n in counts.items():
            suggestion = found.setdefault(pk, Suggestion(city=None))
            setattr(suggestion, attribute, getattr(suggestion, attribute) + n)

    # Partners of its partners.
    if published_partners:
        add(_both_sides(published, list(published_partners), pool), "partners_shared")
    # Twinned with cities like it: of its country, and of its size when that is known.
    like = City.objects.filter(country=city.country).exclude(pk=city.pk)
    band = sizes.band_of(city.population)
    if band:
        like = like.filter(sizes.population_q(band))
    add(_both_sides(published, like.values("pk"), pool), "twinned_like_you")
    # Shared focus areas, among the FOCUS_SAMPLE latest links of published partnerships to
    # its focus areas: where every partnership has one, counting them all would read the table.
    if focus:
        links = Partnership.focus_areas.through.objects
        sample = (
            links.filter(focusarea__in=list(focus), partnership__state=Partnership.State.PUBLISHED)
            .order_by("-pk")
            .values("pk")[:FOCUS_SAMPLE]
        )
        through = links.filter(pk__in=sample)
        for side in ("city_a", "city_b"):
            counts = _grouped(
                through.filter(pool(f"partnership__{side}__")),
                f"partnership__{side}",
                "focusarea",
            )
            for pk, n in counts.items():  # the larger count of the two sides, not their sum
                suggestion = found.setdefault(pk, Suggestion(city=None))
                suggestion.focus_shared = max(suggestion.focus_shared, n)
    # Similar size: the nearest populations above and below, within its band.
    if band:
        near = City.objects.filter(public_q(), pool(), sizes.population_q(band))
        half = CANDIDATES // 2
        for pk in [
            *near.filter(population__gte=city.population)
            .order_by("population")  # along the index
            .values_list("pk", flat=True)[:half],
            *near.filter(population__lt=city.population)
            .order_by("-population")  # the index read backwards (no NULL here)
            .values_list("pk", flat=True)[:half],
        ]:
            found.setdefault(pk, Suggestion(city=None)).similar_size = True
    # Their listings describe it. Chosen from the listings alone, with the public test on each
    # listing's city, then read with their cities in the order of the city's key, not its
    # name (the model's order; a city's first listing is the same). With the cities joined in
    # the choice, or `city__in` the public cities, SQLite went through every city first
    # (45 ms at world scale, where no city seeks a partner).
    chosen = listings_describing(city, today).filter(pool("city__"), public_q("city_id"))
    listings = {}
    for listing in (
        PartnerSearch.objects.filter(pk__in=chosen.values("pk"))
        .select_related("city")
        .order_by("city_id", "pk")[:CANDIDATES]
    ):
        if listing.matches(city):
            listings.setdefault(listing.city_id, listing)
    for pk, listing in listings.items():
        found.setdefault(pk, Suggestion(city=None)).listing = listing

    if not found:
        return []
    # Only the most promising are read as cities: the score so far lacks only the match with
    # the asking city's own listing and the time difference, worth less than one shared partner.
    promising = sorted(found, key=lambda pk: (-score(found[pk]), pk))[:LOADED]
    cities = City.objects.filter(pk__in=promising).only(
        *(
            "pk",
            "slug",
            "name",
            "country",
            "region",
            "population",
            "latitude",
            "longitude",
        ),
        *(f"name_{code}" for code in ("en", "de", "zh_hans")),
    )
    suggestions = []
    for candidate in cities:
        suggestion = found[candidate.pk]
        suggestion.city = candidate
        if suggestion.listing is None and candidate.pk in listings:
            suggestion.listing = listings[candidate.pk]
        suggestion.matches_own_listing = own_listing is not None and own_listing.matches(candidate)
        suggestion.score = score(suggestion)
        if suggestion.score > 0:
            suggestions.append(suggestion)
    suggestions.sort(key=lambda s: (-s.score, s.city.name, s.city.pk))
    top = suggestions[:limit]
    _fill_in(city, top, published, published_partners, focus)
    return top


def score(suggestion):
    return (
        WEIGHTS["partner_of_partner"] * min(suggestion.partners_shared, NAMED)
        + WEIGHTS["focus_area"] * min(suggestion.focus_shared, NAMED)
        + WEIGHTS["similar_size"] * suggestion.similar_size
        + WEIGHTS["twinned_like_you"] * min(suggestion.twinned_like_you, LIKE_YOU_CAP)
        + WEIGHTS["seeks_you"] * (suggestion.listing is not None)
        + WEIGHTS["you_seek"] * suggestion.matches_own_listing
    )


def _fill_in(city, top, published, published_partners, focus):
    """Names of the shared partners and focus areas, distance, time, and the reasons."""
    if not top:
        return
    by_pk = {s.city.pk: s for s in top}
    ids = list(by_pk)
    if published_partners:
        partners = list(published_partners)
        for a, b, a_name, b_name in published.filter(
            Q(city_a__in=ids, city_b__in=partners) | Q(city_b__in=ids, city_a__in=partners)
        ).values_list("city_a", "city_b", translated("city_a__name"), translated("city_b__name")):
            if a in by_pk and b in published_partners:
                by_pk[a].via.append(b_name)
            if b in by_pk and a in published_partners:
                by_pk[b].via.append(a_name)
    if focus:
        shared = {}
        for a, b, area in (
            Partnership.focus_areas.through.objects.filter(
                focusarea__in=list(focus), partnership__state=Partnership.State.PUBLISHED
            )
            .filter(Q(partnership__city_a__in=ids) | Q(partnership__city_b__in=ids))
            .values_list("partnership__city_a", "partnership__city_b", "focusarea")
            .distinct()
        ):
            for pk in (a, b):
                if pk in by_pk:
                    shared.setdefault(pk, set()).add(area)
        for pk, areas in shared.items():
            by_pk[pk].focus_areas = sorted(focus[area].name for area in areas)
    now = timezone.now()
    for suggestion in top:
        suggestion.via.sort()
        suggestion.geo = geography.between(city, suggestion.city, now)
        if (
            suggestion.geo
            and suggestion.geo.clock_a
            and suggestion.geo.clock_b
            and abs(suggestion.geo.clock_a.offset_minutes - suggestion.geo.clock_b.offset_minutes)
            <= 180
        ):
            suggestion.score += WEIGHTS["near_in_time"]
        suggestion.reasons = reasons(city, suggestion)
    top.sort(key=lambda s: (-s.score, s.city.name, s.city.pk))


def reasons(city, suggestion):
    """The reasons, in words, in the active language."""
    said = []
    if suggestion.listing is not None:
        said.append(_("Looking for a partner like you"))
    if suggestion.matches_own_listing:
        said.append(_("Matches what you are looking for"))
    if suggestion.via:
        names = suggestion.via[:NAMED]
        said.append(
            ngettext(
                "Partner of your partner %(partners)s",
                "Partner of your partners %(partners)s",
                len(names),
            )
            % {"partners": _join(names)}
        )
    if suggestion.focus_areas:
        said.append(
            _("Shared focus areas: %(areas)s") % {"areas": _join(suggestion.focus_areas[:NAMED])}
        )
    if suggestion.similar_size:
        band = sizes.band_of(suggestion.city.population)
        said.append(_("Similar size: %(band)s") % {"band": sizes.SizeBand(band).label})
    if suggestion.twinned_like_you:
        said.append(
            ngettext(
                "Twinned with %(count)d city like yours in %(country)s",
                "Twinned with %(count)d cities like yours in %(country)s",
                suggestion.twinned_like_you,
            )
            % {"count": suggestion.twinned_like_you, "country": city.country.name}
        )
    if suggestion.geo is not None:
        said.append(_("%(distance)s away") % {"distance": suggestion.geo.distance_display})
        if suggestion.geo.time_difference:
            said.append(suggestion.geo.time_difference)
    return said


LISTING_ROUNDS = 3


def _wanted(listing):
    """A condition on City for the cities `listing` describes (regions as typed; matched
    without regard to case in Python)."""
    condition = Q()
    if listing.size_band:
        condition &= sizes.population_q(listing.size_band)
    if listing.countries:
        condition &= Q(country__in=[c.code for c in listing.countries])
    if listing.region_list:
        condition &= Q(region__in=listing.region_list)
    return condition


def matches_for_listings(listings, per_listing=3, limit=CANDIDATES):
    """{listing pk: up to `per_listing` public cities it describes}, not the listing's city
    nor its partners. Candidates for all the listings at once (the largest first, along the
    population index), matched in Python; when broad listings fill a round's
    `limit`, the listings still short get another round of their own (at most LISTING_ROUNDS
    candidate queries, then one for the partnerships among them)."""
    listings = list(listings)
    if not listings:
        return {}
    own = {listing.city_id for listing in listings}
    candidates, seen = [], set(own)

    def fitting(listing, twinned=frozenset()):
        return list(
            itertools.islice(
                (
                    c
                    for c in candidates
                    if (listing.city_id, c.pk) not in twinned and listing.matches(c)
                ),
                per_listing,
            )
        )

    short = listings
    for _round in range(LISTING_ROUNDS):
        wanted = Q(pk__in=[])
        for listing in short:
            wanted |= _wanted(listing)
        found = list(
            City.objects.filter(public_q(), wanted)
            .exclude(pk__in=seen)
            .order_by(F("population").desc(nulls_last=True), "pk")
            .only("pk", "slug", "name", "country", "region", "population")[:limit]
        )
        candidates += found
        seen.update(c.pk for c in found)
        if len(found) < limit:  # every city these listings describe has been read
            break
        short = [listing for listing in short if len(fitting(listing)) < per_listing]
        if not short:
            break
    twinned = set()
    ids = [c.pk for c in candidates]
    for a, b in (
        Partnership.objects.order_by()
        .filter(Q(city_a__in=own, city_b__in=ids) | Q(city_b__in=own, city_a__in=ids))
        .values_list("city_a", "city_b")
    ):
        twinned.update({(a, b), (b, a)})
    return {listing.pk: fitting(listing, twinned) for listing in listings}
