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

import functools
import itertools
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, Count, Exists, F, OuterRef, Q, When
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cities import geography, sizes
from cities.models import City
from core.choices import country_name
from core.compiled_rows import SLOT, TEXT_SLOT, CompiledRows
from core.translated import ORIGINAL, column, columns, translated

from .models import PartnerSearch, Partnership

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
    name: str = ""  # the city's name as shown, read once for the sorts
    region: str = ""  # and its region as shown, for the list


def public_q(city="pk"):
    """The public cities (with a published partnership) as one EXISTS with an OR inside, on
    the city whose key is at `city` ("city_id" from a listing). `City.objects.public()` is an
    OR of two EXISTS, which PostgreSQL runs as two hashed subplans over every published
    partnership (about 14 ms at world scale) even when an index yields a hundred cities; this
    form is checked per city through the two city indexes."""
    return Exists(
        Partnership.objects.published().filter(Q(city_a=OuterRef(city)) | Q(city_b=OuterRef(city)))
    )


# A City's fields, in the model's order: what a queryset of cities reads and from_db() takes.
CITY_FIELDS = tuple(f.attname for f in City._meta.concrete_fields)


def _public_city_query():
    return City.objects.rewrite(False).filter(public_q(), slug=TEXT_SLOT).values_list(*CITY_FIELDS)


def public_city(slug):
    """The public city (public_q) of `slug`, or None: the queryset of cities
    `get_object_or_404()` would read, its statement compiled once (_rows, the slug in its
    TEXT_SLOT)."""
    rows = _rows(_public_city_query, (), slug)
    return City.from_db(City.objects.db, CITY_FIELDS, rows[0]) if rows else None


def _join(names):
    return ", ".join(str(name) for name in names)


# The asking city's key (SLOT), country and population in the statements compiled once
# (`_rows`): values no city has (stand-ins), replaced by the asking city's own each time a
# statement runs. Each within its column's range: Django leaves out a comparison with a value
# beyond it. Its country also inside the pattern of a listing's `contains` (`_COUNTRY_PATTERN`).
_CITY, _CITY_COUNTRY, _CITY_POPULATION = SLOT, "~~", 2_147_480_001
_COUNTRY_PATTERN = f"%{_CITY_COUNTRY}%"
# And the rows a source's counts read (a LIMIT, written as a parameter where it runs): as many
# more as there are cities to leave out, which are left out in Python (see _grouped).
_LIMIT = 918_271
# And its focus areas' keys, one slot each: a statement per number of them. As a subquery,
# PostgreSQL joined every link of a partnership to a focus area before taking the latest
# (Berlin's sources 19 -> 38 ms at world scale).
_AREA = -918_100_000  # the first area's slot; the next's one less


# And the region the visitor typed: the statements with a region filter compiled once too.
_REGION = "-region-slot-"  # nothing a LIKE escapes: the compiled parameter is this text itself


def _areas(count):
    return [_AREA - n for n in range(count)]


# And the keys of the cities read in full or shown, one slot each, as many as may be read: the
# slots not filled stay keys no city has, so one statement serves any number of them.
_ID = -918_300_000  # the first city's slot; the next's one less


def _ids(count):
    return [_ID - n for n in range(count)]


def _slots(keys, count):
    """{slot: key} of `keys` in the first of `count` slots (_ids), the slots not filled keeping
    their own values (keys no city has)."""
    slots = {slot: slot for slot in _ids(count)}
    slots.update(zip(slots, keys, strict=False))
    return slots


def _others(city, partnerships=None):
    """The cities twinned with `city` (by `partnerships`, default: any in any state), as a
    subquery: the finder's statements name no list of keys, so they are compiled once."""
    partnerships = Partnership.objects.rewrite(False) if partnerships is None else partnerships
    return (
        partnerships.order_by()
        .filter(Q(city_a=city) | Q(city_b=city))
        .annotate(other=Case(When(city_a=city, then=F("city_b")), default=F("city_a")))
        .values("other")
    )


def _grouped(queryset, side, other):
    """Rows (city id on `side`, number of distinct `other`) of the largest counts, as many as
    _LIMIT says: the `CANDIDATES` that count, and as many more as there are cities to leave
    out (the city and its partners), left out in Python (`_kept`). In the query (`NOT IN` a
    subquery), PostgreSQL tested every published partnership against it before counting
    (about 50 ms at world scale); as a list of keys, it had to be compiled for each city."""
    return (
        queryset.values_list(side)
        .annotate(n=Count(other, distinct=True))
        .order_by("-n", side)[:_LIMIT]
    )


def _kept(rows, excluded, limit=CANDIDATES):
    """The first `limit` of a source's rows (city id, n) by count, then key, not `excluded`."""
    rows.sort(key=lambda row: (-row[1], row[0]))
    return [row for row in rows if row[0] not in excluded][:limit]


def candidate_pool(city, *, country="", region="", size_band=""):
    """`pool(prefix)`: a condition on the city at `prefix` ("" for City itself) matching the
    cities that may be suggested (neither `city`, a key, nor any city twinned with it, in any
    state, unless `excluding` is false: the caller leaves them out itself) with the visitor's
    filters. Conditions, not a subquery of cities: the sources that start from partnerships
    join a city only when filtered."""
    twinned = _others(city)

    def pool(prefix="", excluding=True, region_column=""):
        key = prefix.removesuffix("__") or "pk"
        q = ~Q(**{key: city}) & ~Q(**{f"{key}__in": twinned}) if excluding else Q()
        if country:
            q &= Q(**{f"{prefix}country": country})
        if region:
            # The column each source has always matched: the active language's on partnerships
            # and cities (modeltranslation's rewriting, spelled out for the queries now read
            # without it), the bare `region` on listings and focus-area links (`region_column`).
            q &= Q(**{f"{prefix}{region_column or column('region')}__iexact": region})
        if size_band:
            q &= sizes.population_q(size_band, prefix)
        return q

    return pool


def listings_describing(city, band, code, today):
    """Current listings (of other cities) that look for a city like `city` (a key) of size
    `band` in the country `code`: by size band and country in the database, by region in
    Python."""
    listings = PartnerSearch.objects.current(today).exclude(city=city)
    listings = listings.filter(Q(size_band="") | Q(size_band=band or "-"))
    # Stored as "DE,FR": two-letter codes between commas never match across a comma.
    listings = listings.filter(Q(countries="") | Q(countries__contains=code))
    return listings


# What the finder reads of a listing: its city and what it looks for (PartnerSearch.describes).
LISTING_COLUMNS = ("id", "city_id", "size_band", "countries", "regions")
OWN = -1  # the asking city's own listing, in the rows of _listing_queries


# A candidate city's columns (its link, names, region, country, size and place).
CITY_COLUMNS = (
    "id",
    "slug",
    "name",
    *columns("name"),
    "country",
    "region",
    *columns("region"),
    "population",
    "latitude",
    "longitude",
)
_COUNTRY, _POPULATION = CITY_COLUMNS.index("country"), CITY_COLUMNS.index("population")

# What the sources say of a candidate, as a plain list (several hundred are scored, most never
# shown): shared partners, shared focus areas, similar size, twins like you, its listing.
PARTNERS, FOCUS, SIZE, LIKE, LISTING = range(5)


def _counts():
    return [0, 0, False, 0, None]


def _partners_query(language):
    """The asking city's partnerships (any state) with the focus areas of each (a row per
    partnership and focus area), both cities' names and the focus area's as shown."""
    return (
        Partnership.objects.rewrite(False)
        .filter(Q(city_a=_CITY) | Q(city_b=_CITY))
        .order_by()
        .values_list(
            "city_a",
            "city_b",
            "state",
            "focus_areas",
            translated("city_a__name", language),
            translated("city_b__name", language),
            translated("focus_areas__name", language),
        )
    )


def _cities_query():
    """The cities in LOADED slots (_ids) as rows of CITY_COLUMNS, in no order."""
    return (
        City.objects.rewrite(False)
        .filter(pk__in=_ids(LOADED))
        .order_by()  # sorted by the caller
        .values_list(*CITY_COLUMNS)
    )


def _shown_partnerships_query(count):
    """(city_a, city_b) of the published partnerships of the cities in `count` slots."""
    ids = _ids(count)
    return (
        Partnership.objects.rewrite(False)
        .published()
        .order_by()
        .filter(Q(city_a__in=ids) | Q(city_b__in=ids))
        .values_list("city_a", "city_b")
    )


def _shown_areas_query(areas, count):
    """(city_a, city_b, focus area) of the published partnerships of the cities in `count`
    slots with any of `areas` focus areas (in their slots, _areas), once each."""
    ids = _ids(count)
    return (
        Partnership.focus_areas.through.objects.filter(
            focusarea__in=_areas(areas), partnership__state=Partnership.State.PUBLISHED
        )
        .filter(Q(partnership__city_a__in=ids) | Q(partnership__city_b__in=ids))
        .values_list("partnership__city_a", "partnership__city_b", "focusarea")
        .distinct()
    )


def _listing_queries(language, today, band, country, region, size_band):
    """[(source, queryset of rows of LISTING_COLUMNS)]: the asking city's own listing (OWN,
    its first) and the listings describing it (LISTING), for one UNION ALL. Chosen from the
    listings alone, with the public test on each listing's city, in the order of the city's
    key, not its name (the model's order; a city's first listing is the same). With the
    cities joined in the choice, or `city__in` the public cities, SQLite went through every
    city first (45 ms at world scale, where no city seeks a partner)."""
    del language  # in the key: a region filter reads the active language's column
    current = PartnerSearch.objects.current(today)
    own = current.filter(city=_CITY).order_by("pk")[:1]
    pool = candidate_pool(_CITY, country=country, region=region, size_band=size_band)
    chosen = listings_describing(_CITY, band, _CITY_COUNTRY, today).filter(
        pool("city__", region_column="region"), public_q("city_id")
    )
    describing = PartnerSearch.objects.filter(pk__in=chosen.values("pk")).order_by("city_id", "pk")[
        :CANDIDATES
    ]
    return [
        (OWN, own.values_list(*LISTING_COLUMNS)),
        (LISTING, describing.values_list(*LISTING_COLUMNS)),
    ]


def _source_queries(language, band, partners, focus, country, region, size_band):
    """[(source, queryset of rows (city id, count))]: the candidates of each source, for one
    UNION ALL. `band` is the asking city's size band, `partners` whether it has published
    partners, `focus` how many focus areas they have; the rest the visitor's filters."""
    pool = candidate_pool(_CITY, country=country, region=region, size_band=size_band)
    published = Partnership.objects.rewrite(False).published().order_by()
    queries = []

    def both_sides(source, cities):
        """Cities of the pool twinned (published) with `cities`: such a city is public."""
        for side, other in (("city_b", "city_a"), ("city_a", "city_b")):
            twins = published.filter(pool(f"{side}__", excluding=False), **{f"{other}__in": cities})
            queries.append((source, _grouped(twins, side, other)))

    # Partners of its partners.
    if partners:
        both_sides(PARTNERS, _others(_CITY, published))
    # Twinned with cities like it: of its country, and of its size when that is known.
    like = City.objects.filter(country=_CITY_COUNTRY).exclude(pk=_CITY)
    if band:
        like = like.filter(sizes.population_q(band))
    both_sides(LIKE, like.values("pk"))
    # Shared focus areas, among the FOCUS_SAMPLE latest links of published partnerships to
    # its focus areas: where every partnership has one, counting them all would read the table.
    if focus:
        links = Partnership.focus_areas.through.objects
        sample = (
            links.filter(
                focusarea__in=_areas(focus), partnership__state=Partnership.State.PUBLISHED
            )
            .order_by("-pk")
            .values("pk")[:FOCUS_SAMPLE]
        )
        through = links.filter(pk__in=sample)
        for side in ("city_a", "city_b"):
            pooled = through.filter(
                pool(f"partnership__{side}__", excluding=False, region_column="region")
            )
            queries.append((FOCUS, _grouped(pooled, f"partnership__{side}", "focusarea")))
    # Similar size: the nearest populations above and below, within its band.
    if band:
        near = City.objects.filter(public_q(), pool(), sizes.population_q(band))
        half = CANDIDATES // 2
        above = near.filter(population__gte=_CITY_POPULATION).order_by("population")  # the index
        below = near.filter(population__lt=_CITY_POPULATION).order_by("-population")  # backwards
        for nearest in (above, below):
            queries.append((SIZE, nearest.values_list("pk")[:half]))
    return queries


@functools.lru_cache(maxsize=256)
def _compiled(alias, vendor, build, key, variables):
    """build(*key) compiled (CompiledRows, `variables` its stand-ins): a values_list() queryset,
    or [(source, queryset)] of keys and counts joined by UNION ALL as rows (index in the list,
    *the queryset's row), with the sources of the parts."""
    del vendor  # in the key only: the SQL is the database's own
    built = build(*key)
    if not isinstance(built, list):
        return CompiledRows(built.using(alias), variables, stand_ins=True), None
    parts, params = [], []
    for index, (source, queryset) in enumerate(built):
        sql, part_params = queryset.query.get_compiler(alias).as_sql()
        part_params = list(part_params)
        if sql.endswith(f" LIMIT {_LIMIT}"):  # the ORM writes a LIMIT into the text
            sql = sql.removesuffix(f" LIMIT {_LIMIT}") + " LIMIT %s"
            part_params.append(_LIMIT)
        if source == SIZE:  # rows of keys alone, each counting once
            parts.append(f"SELECT {index}, t{index}.*, 1 FROM ({sql}) t{index}")  # noqa: S608
        else:
            parts.append(f"SELECT {index}, t{index}.* FROM ({sql}) t{index}")  # noqa: S608
        params += part_params
    statement = " UNION ALL ".join(parts), params
    first = built[0][1].using(alias)
    compiled = CompiledRows(first, variables, stand_ins=True, statement=statement)
    return compiled, [source for source, _queryset in built]


def _rows(build, key, slot=None, values=None):
    """The rows of the statement build(*key), compiled once per database and key (the key
    names the language where the statement depends on it: building and compiling the ORM's
    queries cost more than running them), run with `slot` in its SLOT or TEXT_SLOT and the
    values of `values` ({stand-in: value}) in the places of their stand-ins; of a UNION ALL,
    [(source, its rows)] for each part."""
    connection = connections[Partnership.objects.db]
    variables = () if values is None else tuple(values)
    compiled, sources = _compiled(connection.alias, connection.vendor, build, key, variables)
    rows = compiled.rows(slot, values=() if values is None else values.values())
    if sources is None:
        return rows
    parts = [(source, []) for source in sources]
    for row in rows:
        parts[row[0]][1].append(row[1:])
    return parts


def suggest(city, *, country="", region="", size_band="", limit=SUGGESTIONS, today=None):
    """The best `limit` suggestions for `city`, best first."""
    today = today or timezone.localdate()
    language = get_language()
    code = city.country.code if city.country else ""
    values = {_CITY_COUNTRY: code, _CITY_POPULATION: city.population}

    # Its partners and, in the same query, the focus areas of its published partnerships (a
    # row per partnership and focus area): read as areas only when there are some.
    twinned, published_partners, focus = set(), {}, {}
    for a, b, state, area, a_name, b_name, area_name in _rows(
        _partners_query, (language,), city.pk
    ):
        other, name = (b, b_name) if a == city.pk else (a, a_name)
        twinned.add(other)
        if state == Partnership.State.PUBLISHED:
            published_partners[other] = name  # {partner: its name as shown}
            if area is not None:
                focus[area] = area_name  # {focus area: its name as shown}

    found = {}
    # The sources' candidates in one statement, never the city or its partners (in any state).
    excluded = {city.pk, *twinned}
    values[_LIMIT] = CANDIDATES + len(excluded)
    band = sizes.band_of(city.population)
    areas = dict(zip(_areas(len(focus)), focus, strict=True))
    values.update(areas)
    listing_values = {_COUNTRY_PATTERN: f"%{code}%"}
    if region:  # in its slot, escaped as the ORM escapes the value of an `iexact`
        connection = connections[Partnership.objects.db]
        values[_REGION] = listing_values[_REGION] = connection.ops.prep_for_iexact_query(region)
        region = _REGION
    key = (language, band, bool(published_partners), len(focus), country, region, size_band)
    for source, rows in _rows(_source_queries, key, city.pk, values):
        if source != SIZE:  # left out here, not in the query (_grouped)
            rows = _kept(rows, excluded)
        for pk, n in rows:
            row = found.get(pk)
            if row is None:
                row = found[pk] = _counts()
            if source == FOCUS:  # the larger count of the two sides, not their sum
                row[FOCUS] = max(row[FOCUS], n)
            elif source == SIZE:
                row[SIZE] = True
            else:
                row[source] += n
    # Its own listing (a city's first, by key: the model's order is the city's name) and the
    # listings that describe it, read with only what they look for.
    own_listing, listings = None, {}
    key = (language, today, band, country, region, size_band)
    for source, rows in _rows(_listing_queries, key, city.pk, listing_values):
        for row in rows:
            listing = PartnerSearch.from_db(PartnerSearch.objects.db, LISTING_COLUMNS, row)
            if source == OWN:
                own_listing = listing
            elif listing.matches(city):
                listings.setdefault(listing.city_id, listing)
    for pk, listing in listings.items():
        row = found.get(pk)
        if row is None:
            row = found[pk] = _counts()
        row[LISTING] = listing

    if not found:
        return []
    # Only the most promising are read as cities: the score so far lacks only the match with
    # the asking city's own listing and the time difference, worth less than one shared partner.
    promising = [pk for _minus, pk in sorted((-_score(*row), pk) for pk, row in found.items())]
    promising = promising[:LOADED]
    # Read as rows, each made a City only if it is among the `limit` shown (the same columns
    # as `only()` would read): most of them are only sorted by their names.
    name, region = _shown("name"), _shown("region")
    ranked = []
    for row in _rows(_cities_query, (), values=_slots(promising, LOADED)):
        shown_region = region(row)
        matches = own_listing is not None and own_listing.describes(
            row[_POPULATION], row[_COUNTRY], shown_region
        )
        value = _score(*found[row[0]], matches)
        if value > 0:
            ranked.append((-value, name(row), row[0], matches, row, shown_region))
    ranked.sort(key=lambda entry: entry[:3])
    top = []
    for minus_score, shown_name, pk, matches, row, shown_region in ranked[:limit]:
        partners, focus_shared, similar, like_you, listing = found[pk]
        top.append(
            Suggestion(
                city=_city(row),
                score=-minus_score,
                partners_shared=partners,
                focus_shared=focus_shared,
                similar_size=similar,
                twinned_like_you=like_you,
                listing=listing,
                matches_own_listing=matches,
                name=shown_name,
                region=shown_region,
            )
        )
    _fill_in(city, top, limit, areas, published_partners, focus)
    return top


def _city(row):
    """The City of a row of CITY_COLUMNS, as a queryset with `only()` those columns makes it
    (from_db() takes the values in the model's order of fields)."""
    names = [f.attname for f in City._meta.concrete_fields if f.attname in CITY_COLUMNS]
    return City.from_db(City.objects.db, names, [row[CITY_COLUMNS.index(n)] for n in names])


def _shown(field):
    """A function giving what a City's `field` gives (modeltranslation's descriptor) from a row
    of CITY_COLUMNS: the active language's column, else the English one, else ""."""
    own, original = (CITY_COLUMNS.index(column(field, code)) for code in (None, ORIGINAL))
    if own == original:
        return lambda row: row[original] or ""
    return lambda row: row[own] or row[original] or ""


def _score(partners, focus_shared, similar, like_you, listing, matches=False):
    """score() of these counts (the same sum, in the same order)."""
    return (
        WEIGHTS["partner_of_partner"] * min(partners, NAMED)
        + WEIGHTS["focus_area"] * min(focus_shared, NAMED)
        + WEIGHTS["similar_size"] * similar
        + WEIGHTS["twinned_like_you"] * min(like_you, LIKE_YOU_CAP)
        + WEIGHTS["seeks_you"] * (listing is not None)
        + WEIGHTS["you_seek"] * matches
    )


def score(suggestion):
    return _score(
        suggestion.partners_shared,
        suggestion.focus_shared,
        suggestion.similar_size,
        suggestion.twinned_like_you,
        suggestion.listing,
        suggestion.matches_own_listing,
    )


def _fill_in(city, top, limit, areas, published_partners, focus):
    """Names of the shared partners and focus areas, distance, time, and the reasons. `areas`:
    the focus areas' slots ({slot: focus area})."""
    if not top:
        return
    by_pk = {s.city.pk: s for s in top}
    # The shown cities in `limit` slots: one statement, compiled once, for any number of them.
    slots = _slots(by_pk, limit)
    if published_partners:
        # Their partnerships, the partners among them picked here and named by the first query:
        # with the partners' ids in the query too, PostgreSQL's planning of the two lists took
        # 2 ms, and the ORM prepared each id of both.
        for a, b in _rows(_shown_partnerships_query, (limit,), values=slots):
            if a in by_pk and b in published_partners:
                by_pk[a].via.append(published_partners[b])
            if b in by_pk and a in published_partners:
                by_pk[b].via.append(published_partners[a])
    if focus:
        shared = {}
        for a, b, area in _rows(_shown_areas_query, (len(focus), limit), values=areas | slots):
            for pk in (a, b):
                if pk in by_pk:
                    shared.setdefault(pk, set()).add(area)
        for pk, areas in shared.items():
            by_pk[pk].focus_areas = sorted(focus[area] for area in areas)
    now = timezone.now()
    country = country_name(city.country.code)
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
        suggestion.reasons = reasons(city, suggestion, country)
    top.sort(key=lambda s: (-s.score, s.name, s.city.pk))


@functools.lru_cache(maxsize=16)
def _texts(language):
    """The reasons' fixed texts in `language` (the active one when asked): translated once per
    language and process, not for each suggestion."""
    del language  # the key
    return {
        "listing": _("Looking for a partner like you"),
        "matches": _("Matches what you are looking for"),
        "focus": _("Shared focus areas: %(areas)s"),
        "size": _("Similar size: %(band)s"),
        "away": _("%(distance)s away"),
    }


@functools.lru_cache(maxsize=64)
def _partner_text(language, count):
    del language  # the key
    return ngettext(
        "Partner of your partner %(partners)s", "Partner of your partners %(partners)s", count
    )


@functools.lru_cache(maxsize=256)
def _twinned_text(language, count):
    del language  # the key
    return ngettext(
        "Twinned with %(count)d city like yours in %(country)s",
        "Twinned with %(count)d cities like yours in %(country)s",
        count,
    )


def reasons(city, suggestion, country=None):
    """The reasons, in words, in the active language; `country`: the name of `city`'s
    country, when the caller has read it for all its suggestions."""
    said = []
    language = get_language()
    texts = _texts(language)
    if suggestion.listing is not None:
        said.append(texts["listing"])
    if suggestion.matches_own_listing:
        said.append(texts["matches"])
    if suggestion.via:
        names = suggestion.via[:NAMED]
        said.append(_partner_text(language, len(names)) % {"partners": _join(names)})
    if suggestion.focus_areas:
        said.append(texts["focus"] % {"areas": _join(suggestion.focus_areas[:NAMED])})
    if suggestion.similar_size:
        band = sizes.band_of(suggestion.city.population)
        said.append(texts["size"] % {"band": sizes.SizeBand(band).label})
    if suggestion.twinned_like_you:
        said.append(
            _twinned_text(language, suggestion.twinned_like_you)
            % {
                "count": suggestion.twinned_like_you,
                "country": country_name(city.country.code) if country is None else country,
            }
        )
    if suggestion.geo is not None:
        said.append(texts["away"] % {"distance": suggestion.geo.distance_display})
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
