"""`manage.py import_twinnings`: formats, countries, city matching, bad rows, batches, speed."""

import csv
import datetime
import io
import math
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, connection
from django.db.models import Q
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_countries import countries
from django_countries.fields import Country

from cities.models import City
from partnerships.importing.country_aliases import CountryResolver, resolve_country
from partnerships.importing.importer import (
    CityRef,
    RowError,
    choice,
    fold_key,
    name_key,
    parse_date,
)
from partnerships.models import Partnership, Source

DATA = Path(__file__).parent / "data"
BAD_ROWS = DATA / "twinnings_bad_rows.csv"
GENERIC = DATA / "twinnings_generic.csv"
HEKMAN_HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
# The real list, in shared/data/ beside the project (or beside the folder of its worktrees).
HEKMAN_LIST = next(
    (
        folder / "shared" / "data" / "twin_cities_hekman.csv"
        for folder in Path(__file__).resolve().parents[2:5]
        if (folder / "shared" / "data" / "twin_cities_hekman.csv").exists()
    ),
    None,
)


def run_import(path, *args, **options):
    out = io.StringIO()
    call_command("import_twinnings", str(path), *args, stdout=out, **options)
    return out.getvalue()


def counts():
    return City.objects.count(), Partnership.objects.count(), Source.objects.count()


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def city(name, country):
    return City.objects.get(name=name, country=country)


def pair(a, b):
    return Partnership.objects.filter(city_a=a, city_b=b) | Partnership.objects.filter(
        city_a=b, city_b=a
    )


# --- The hand-made file with every kind of bad row -------------------------------------------


def test_bad_rows_are_reported_by_line_and_reason_and_good_rows_imported(demo):
    cities_before, partnerships_before, sources_before = counts()

    out = run_import(BAD_ROWS)

    for expected in [
        "line 6: rejected: unknown country: “Atlantis” (city “Atlantis”)",
        "line 7: rejected: missing coordinates: no latitude of Nowhere",
        "line 8: rejected: coordinates out of range: latitude of Farout 200 is not between "
        "-90 and 90",
        "line 10: rejected: empty line",
        "line 11: rejected: wrong number of columns: 6 instead of 8",
        "line 12: rejected: not valid UTF-8: byte 0xE9 in column 1 (“M�rida”)",
        "line 13: rejected: same city on both sides: “Nienburg” (DE) twice",
        "line 20: rejected: invalid coordinates: latitude of Rome “north” is not a number",
    ]:
        assert expected in out, expected
    # The same pair again, reversed: in the file, and already in the database (the demo's).
    assert "line 9: already present: Kyiv – Chișinău is the pair of line 4 (in either order)" in out
    # A second spelling of a city is reported once and taken as that city.
    assert "line 5: “Chişinău” (MD) taken as the city “Chișinău” (another spelling)" in out
    assert "line 9: “CHISINAU” (MD) taken as the city “Chișinău” (another spelling)" in out
    # No other row is rejected.
    assert out.count("rejected:") == 8

    assert "rows read:            19" in out
    assert "cities:               12 created, 4 existing reused" in out
    assert (
        "partnerships:         9 created, 2 already present (1 in the database, 1 repeated" in out
    )
    assert "rejected rows:        8" in out
    for reason, n in [("unknown country", 1), ("empty line", 1), ("not valid UTF-8", 1)]:
        assert any(line.split() == [*reason.split(), str(n)] for line in out.splitlines()), reason

    assert counts() == (cities_before + 12, partnerships_before + 9, sources_before + 9)
    # The good rows, with their countries resolved.
    dresden, berlin, beijing, hangzhou = (
        city("Dresden", "DE"),
        city("Berlin", "DE"),
        city("Beijing", "CN"),
        city("Hangzhou", "CN"),
    )
    chisinau = city("Chișinău", "MD")
    assert pair(dresden, city("Brazzaville", "CG")).exists()
    # Kosovo, under the code XK (COUNTRIES_OVERRIDE).
    assert pair(city("Pristina", "XK"), berlin).exists()
    assert pair(chisinau, city("Kyiv", "UA")).count() == 1
    assert pair(beijing, chisinau).exists()
    assert pair(city("Albany", "US"), city("Saint-Denis", "RE")).exists()
    assert pair(hangzhou, berlin).exists()
    assert pair(city("Rostock", "DE"), city("Varna", "BG")).exists()
    assert pair(city("Edinburgh", "GB"), city("Kraków", "PL")).exists()
    # Fürth and Furth are two towns 90 km apart, not two spellings of one.
    assert pair(city("Fürth", "DE"), city("Furth", "DE")).exists()
    # Nothing of a rejected row was written.
    assert not City.objects.filter(name__in=["Atlantis", "Nowhere", "Farout", "Paris", "Rome"])
    assert not City.objects.filter(name__in=["Nienburg", "Oslo"])
    assert not City.objects.filter(name__startswith="M", country="MX")


def test_imported_records(demo):
    run_import(BAD_ROWS)

    # Demo cities are reused, never duplicated, and never changed.
    for name in ["Berlin", "Beijing", "Dresden", "Hangzhou"]:
        assert City.objects.filter(name__iexact=name).count() == 1
    assert city("Berlin", "DE").slug == "berlin"
    assert City.objects.filter(name="Chișinău").count() == 1
    assert not City.objects.filter(name__in=["Chişinău", "CHISINAU"]).exists()

    saint_denis = city("Saint-Denis", "RE")
    assert saint_denis.slug == "saint-denis-re"
    assert saint_denis.latitude == Decimal("-20.87891")  # rounded to the model's 5 places
    assert saint_denis.longitude == Decimal("55.44810")
    assert city("Kraków", "PL").slug == "krakow-pl"
    assert {c.slug for c in City.objects.filter(name__in=["Fürth", "Furth"])} == {
        "furth-de",
        "furth-de-2",
    }

    partnership = pair(city("Rostock", "DE"), city("Varna", "BG")).get()
    assert partnership.slug == "rostock-varna"
    assert partnership.state == Partnership.State.PUBLISHED
    assert partnership.published_at is not None
    assert partnership.kind == Partnership.Kind.TWINNING
    assert partnership.status == Partnership.Status.ACTIVE
    assert partnership.established is None
    source = partnership.sources.get()
    assert source.title == (
        "List of twin towns and sister cities (Wikipedia), via Hekman/twincities"
    )
    assert source.url == "https://github.com/Hekman/twincities"
    assert source.year == 2026
    assert source.note == "twinnings_bad_rows.csv, line 18"
    # Every created partnership has its source; the demo's keep only their own.
    assert not Partnership.objects.filter(sources__isnull=True).exists()
    assert Source.objects.filter(partnership__slug="berlin-beijing").count() == 1
    # Each imported partnership is a valid record by the model's own rules.
    for imported in Partnership.objects.exclude(slug__in=["berlin-beijing", "dresden-hangzhou"]):
        imported.full_clean()
    for new_city in City.objects.exclude(slug__in=["berlin", "beijing", "dresden", "hangzhou"]):
        new_city.full_clean()


def test_a_second_run_creates_nothing(demo):
    run_import(BAD_ROWS)
    before = counts()

    out = run_import(BAD_ROWS)

    assert counts() == before
    assert "cities:               0 created, 16 existing reused" in out
    assert "partnerships:         0 created, 11 already present (11 in the database" in out
    assert "rejected rows:        8" in out


def test_dry_run_writes_nothing_and_reports_what_would_change(demo):
    before = counts()

    out = run_import(BAD_ROWS, "--dry-run")

    assert counts() == before
    assert "Summary (dry run: nothing was written):" in out
    assert "cities:               12 would be created, 4 existing reused" in out
    assert "partnerships:         9 would be created, 2 already present" in out
    assert "line 6: rejected: unknown country" in out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_postgresql_plans_with_the_imported_rows_at_once(db, tmp_path):
    """Without an ANALYZE, PostgreSQL plans with an empty table's statistics until autovacuum
    gets to it, and the pages' queries ran for minutes on nested loops."""
    path = tmp_path / "many.csv"
    rows = [f"A{n},Germany,50.{n:03d},8.1,B{n},France,45.{n:03d},2.1" for n in range(300)]
    path.write_text(HEKMAN_HEADER + "\n".join(rows) + "\n")

    run_import(path)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s)",
            [City._meta.db_table, Partnership._meta.db_table],
        )
        planned = dict(cursor.fetchall())
    assert planned[Partnership._meta.db_table] >= 300
    assert planned[City._meta.db_table] >= 600


def test_the_source_can_be_named(demo):
    run_import(
        BAD_ROWS,
        "--source-title=Städtepartnerschaften",
        "--source-url=https://example.org/list",
        "--source-year=2024",
    )
    source = city("Varna", "BG").partnerships_as_b.get().sources.get()
    assert (source.title, source.url, source.year) == (
        "Städtepartnerschaften",
        "https://example.org/list",
        2024,
    )
    assert source.publisher == "Wikipedia contributors; compiled and geocoded by Erik Hekman"


def test_slugs_already_taken_get_a_number(demo, make_city, make_partnership):
    make_city(name="Kiev (old record)", slug="kyiv-ua", country="UA")
    make_partnership(slug="rostock-varna")

    run_import(BAD_ROWS)

    assert city("Kyiv", "UA").slug == "kyiv-ua-2"
    assert pair(city("Rostock", "DE"), city("Varna", "BG")).get().slug == "rostock-varna-2"


# --- The generic format -----------------------------------------------------------------------


def test_generic_format(demo):
    out = run_import(GENERIC)

    assert "line 5: rejected: invalid established date: “19x8” is not a date" in out
    assert "line 6: rejected: unknown kind: “marriage”" in out
    assert "line 7: rejected: unknown status: “asleep”" in out
    dresden = city("Dresden", "DE")
    coventry = pair(dresden, city("Coventry", "GB")).get()
    assert (str(coventry.established), coventry.established_precision) == ("1959-01-01", "year")
    ostrava = pair(dresden, city("Ostrava", "CZ")).get()
    assert (str(ostrava.established), ostrava.established_precision) == ("1971-05-01", "month")
    assert ostrava.kind == Partnership.Kind.FRIENDSHIP
    paris = pair(city("Berlin", "DE"), city("Paris", "FR")).get()
    assert (str(paris.established), paris.established_precision) == ("1987-07-02", "day")
    assert (paris.kind, paris.status) == ("cooperation", "dormant")
    osaka = pair(city("Hamburg", "DE"), city("Osaka", "JP")).get()
    assert (osaka.kind, osaka.status, osaka.established) == ("twinning", "active", None)
    assert osaka.sources.get().title == "Imported from twinnings_generic.csv"
    assert "partnerships:         4 created" in out


def test_the_format_can_be_given_and_a_wrong_one_is_refused(demo):
    with pytest.raises(CommandError, match="lacks the hekman format's columns"):
        run_import(GENERIC, "--format=hekman")
    assert "4 created" in run_import(GENERIC, "--format=generic")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no header line"),
        (b"\n\n", "no header line"),
        (b"name,country\nBerlin,DE\n", "neither the Hekman format"),
    ],
)
def test_a_file_without_a_known_header_is_refused(db, tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)


def test_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "nope.csv")


def test_a_byte_order_mark_and_windows_line_ends_are_read(db, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeffcity1,country1,lat1,lng1,city2,country2,lat2,lng2\r\n"
        "Lyon,France,45.76,4.84,Turin,Italy,45.07,7.69\r\n".encode()
    )
    assert "partnerships:         1 created" in run_import(path)
    assert City.objects.get(name="Turin").country == "IT"


# --- Lines that once stopped the import or swallowed the rows after them ----------------------

ROWS_BEFORE = (
    b"Lyon,France,45.76,4.84,Turin,Italy,45.07,7.69\n"
    b'Albany,"New York, United States",42.6512,-73.755,Tula,Russia,54.19,37.62\n'
)
ROWS_AFTER = (
    b"Lyon,France,45.76,4.84,Milan,Italy,45.46,9.19\n"
    b'Albany,"New York, United States",42.6512,-73.755,Nagasaki,Japan,32.75,129.88\n'
)


def assert_rows_around_the_bad_line_imported():
    lyon, albany = city("Lyon", "FR"), city("Albany", "US")
    assert pair(lyon, city("Turin", "IT")).exists()
    assert pair(albany, city("Tula", "RU")).exists()
    assert pair(lyon, city("Milan", "IT")).exists()
    assert pair(albany, city("Nagasaki", "JP")).exists()
    assert counts() == (6, 4, 4)  # nothing of the bad line: no Ostrava, no Mérida


@pytest.mark.parametrize(
    ("bad_line", "report"),
    [
        pytest.param(
            b"Dresden,Germany,51.05,13.74,Ostr\x00ava,Czechia,49.84,18.29\n",
            "line 4: rejected: control character: U+0000 (NUL) in column 5 (city2) at position 5",
            id="NUL",
        ),
        pytest.param(
            b"M\xe9rida,Mexico,20.97,-89.62,Ostrava,Czechia,49.84,18.29\n",
            "line 4: rejected: not valid UTF-8: byte 0xE9 in column 1 (“M�rida”)",
            id="Latin-1 byte",
        ),
        pytest.param(
            # Read on, the field runs to the quote of the next line: 12 columns in all.
            b'Dresden,Germany,51.05,13.74,"Ostrava,Czechia,49.84,18.29\n',
            "line 4: rejected: unclosed quote: the quote in column 5 (city2) is not closed on "
            "this line; the lines after it are read as rows of their own",
            id="unclosed quote",
        ),
        *[
            pytest.param(
                f"Dresden,Germany,51.05,13.74,Ostrava,Czechia,{lat},{lng}\n".encode(),
                f"line 4: rejected: coordinates out of range: {label} of Ostrava {value} is not "
                f"between -{limit} and {limit}",
                id=f"{label} {value}",
            )
            for lat, lng, label, value, limit in [
                ("-95", "18.29", "latitude", "-95", 90),
                ("95", "18.29", "latitude", "95", 90),
                ("49.84", "-200", "longitude", "-200", 180),
                ("49.84", "200", "longitude", "200", 180),
            ]
        ],
        pytest.param(
            "Dresden,Germany,51.05,13.74,Ostrava\vHlavní,Czechia,49.84,18.29\n".encode(),
            "line 4: rejected: control character: U+000B (vertical tab) in column 5 (city2) at "
            "position 8",
            id="vertical tab",
        ),
    ],
)
def test_a_bad_line_is_reported_and_the_rows_around_it_are_imported(db, tmp_path, bad_line, report):
    path = tmp_path / "file.csv"
    path.write_bytes(HEKMAN_HEADER.encode() + ROWS_BEFORE + bad_line + ROWS_AFTER)

    out = run_import(path)

    assert report in out
    assert out.count("rejected:") == 1
    assert "partnerships:         4 created" in out
    assert_rows_around_the_bad_line_imported()

    again = run_import(path)

    assert report in again
    assert "partnerships:         0 created, 4 already present (4 in the database" in again
    assert counts() == (6, 4, 4)


def test_a_bad_line_in_a_large_file_stops_nothing(db, tmp_path):
    """The NUL that used to abort its batch of 1,000 rows, and every batch after it."""
    path = generated_file(tmp_path / "large.csv", 2500)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1200] = lines[1200].replace(b"Town 1199 B", b"Town\x00 1199 B")
    path.write_bytes(b"".join(lines))

    out = run_import(path)

    assert "line 1201: rejected: control character: U+0000 (NUL) in column 5 (city2)" in out
    assert "partnerships:         2,499 created" in out
    assert Partnership.objects.filter(city_a__name="Town 2499 A").exists()
    assert not City.objects.filter(name="Town 1199 A").exists()


def test_a_quote_left_open_on_the_last_line(db, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(
        HEKMAN_HEADER
        + "Lyon,France,45.76,4.84,Milan,Italy,45.46,9.19\n"
        + 'Lyon,France,45.76,4.84,"Turin,Italy,45.07,7.69\n'
    )
    out = run_import(path)
    assert "line 3: rejected: unclosed quote: the quote in column 5 (city2)" in out
    assert "partnerships:         1 created" in out


def test_a_line_break_in_a_quoted_column_the_import_ignores_is_kept(db, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text(
        "city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b,lng_b,notes\n"
        'Lyon,FR,45.76,4.84,Turin,IT,45.07,7.69,"signed in 1958,\nrenewed in 2008"\n'
        "Lyon,FR,45.76,4.84,Milan,IT,45.46,9.19,\n"
    )
    out = run_import(path, "--format=generic")
    assert "rejected rows:        0" in out
    assert "partnerships:         2 created" in out


# --- Rows the database refuses ----------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_a_row_the_database_refuses_costs_only_that_row(db, tmp_path, monkeypatch, batch_size):
    path = tmp_path / "file.csv"
    path.write_text(
        HEKMAN_HEADER
        + "Lyon,France,45.76,4.84,Turin,Italy,45.07,7.69\n"
        + "Lyon,France,45.76,4.84,Ostrava,Czechia,49.84,18.29\n"
        + "Ostrava,Czechia,49.84,18.29,Tula,Russia,54.19,37.62\n"
        + "Lyon,France,45.76,4.84,Milan,Italy,45.46,9.19\n"
    )
    original = QuerySet.bulk_create

    def refusing_bulk_create(self, objs, *args, **kwargs):
        if self.model is Partnership and any(p.slug == "lyon-ostrava" for p in objs):
            raise DataError("value refused")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", refusing_bulk_create)
    out = run_import(path, f"--batch-size={batch_size}")

    assert "line 3: rejected: refused by the database: DataError: value refused" in out
    assert "partnerships:         3 created" in out
    assert "cities:               5 created" in out
    lyon, ostrava = city("Lyon", "FR"), city("Ostrava", "CZ")
    assert pair(lyon, city("Turin", "IT")).exists()
    assert pair(ostrava, city("Tula", "RU")).exists()
    assert pair(lyon, city("Milan", "IT")).exists()
    assert not pair(lyon, ostrava).exists()
    assert ostrava.slug == "ostrava-cz"
    assert counts() == (5, 3, 3)

    monkeypatch.setattr(QuerySet, "bulk_create", original)
    out = run_import(path)
    assert "partnerships:         1 created, 3 already present" in out
    assert pair(lyon, ostrava).get().slug == "lyon-ostrava"
    assert counts() == (5, 4, 4)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores NUL in text")
def test_postgresql_refusing_a_nul_costs_only_that_row(db, tmp_path, monkeypatch):
    # Were a NUL ever to get past the row checks, PostgreSQL's DataError costs only its row.
    monkeypatch.setattr("partnerships.importing.importer.find_control_character", lambda text: None)
    path = tmp_path / "file.csv"
    bad_line = b"Dresden,Germany,51.05,13.74,Ostr\x00ava,Czechia,49.84,18.29\n"
    path.write_bytes(HEKMAN_HEADER.encode() + ROWS_BEFORE + bad_line + ROWS_AFTER)

    out = run_import(path)

    assert "line 4: rejected: refused by the database: DataError:" in out
    assert "partnerships:         4 created" in out
    assert_rows_around_the_bad_line_imported()


# --- Countries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("England, United Kingdom", "GB"),
        ("England", "GB"),
        ("Scotland, United Kingdom", "GB"),
        ("Wales, United Kingdom", "GB"),
        ("Northern Ireland, United Kingdom", "GB"),
        ("Réunion, France", "RE"),
        ("Guadeloupe, France", "GP"),
        ("Åland Islands, Finland", "AX"),
        ("New York, United States", "US"),
        ("Ohio, United States", "US"),
        ("Georgia, United States", "US"),  # the US state, not the country
        ("Brandenburg, Germany", "DE"),
        ("Rauma, Norway", "NO"),
        ("United States", "US"),
        ("USA", "US"),
        ("UK", "GB"),
        ("Czech Republic", "CZ"),
        ("Russia", "RU"),
        ("South Korea", "KR"),
        ("North Korea", "KP"),
        ("Taiwan", "TW"),
        ("Vietnam", "VN"),
        ("Ivory Coast", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Palestine", "PS"),
        ("West Bank", "PS"),
        ("Northern Cyprus", "CY"),
        ("Republic of Ireland", "IE"),
        ("Georgia (country)", "GE"),
        ("Cape Verde", "CV"),
        ("East Timor", "TL"),
        ("São Tomé and Príncipe", "ST"),
        ("Bosnia and Hercegovina", "BA"),
        ("Grece", "GR"),
        ("Kazakhstah", "KZ"),
        ("Madagaskar", "MG"),
        ("Moldavia", "MD"),
        ("Surinam", "SR"),
        ("Island", "IS"),
        ("in Italy", "IT"),
        ("Turkey", "TR"),
        ("  germany ", "DE"),
        ("DE", "DE"),
        ("DEU", "DE"),
    ],
)
def test_country_names_and_aliases(text, code):
    assert resolve_country(text) == code


@pytest.mark.parametrize(
    "text", ["", "Atlantis", "Middle-earth", "Lagoa, Azores, Atlantis", "de", "XX"]
)
def test_unknown_countries_resolve_to_none(text):
    assert resolve_country(text) is None


@pytest.mark.parametrize("text", ["Kosovo", "Republic of Kosovo", "XK", "Prizren, Kosovo"])
def test_kosovo_is_xk(text):
    assert resolve_country(text) == "XK"


@pytest.mark.parametrize(
    "language, name", [("en", "Kosovo"), ("de", "Kosovo"), ("zh-hans", "科索沃")]
)
def test_kosovo_is_named_in_each_language(language, name, catalogue):
    catalogue("zh-hans", {"Kosovo": "科索沃"})
    with translation.override(language):
        assert Country("XK").name == name


def test_kosovo_is_reported_with_the_reason_where_the_site_disables_xk(settings):
    settings.COUNTRIES_OVERRIDE = {"XK": None}
    del countries.countries  # django-countries keeps its list until told to forget it
    try:
        resolver = CountryResolver()
        assert resolver.resolve("Kosovo") is None
        assert "XK is not enabled" in resolver.explain("Kosovo")
    finally:
        settings.COUNTRIES_OVERRIDE = {"XK": "Kosovo"}
        del countries.countries


def test_the_real_kosovo_rows_are_imported(db, tmp_path):
    """The Hekman list's rows with Kosovo (75 of them, e.g. Berat – Prizren) are imported."""
    path = HEKMAN_LIST
    if path is None:
        pytest.skip("the Hekman list is not beside the project")
    with path.open(encoding="utf-8") as stream:
        rows = [line for line in stream if "Kosovo" in line]
    assert len(rows) == 75
    assert "Berat,Albania,40.7022,19.9583,Prizren,Kosovo,42.2128,20.7392\n" in rows
    kosovo = tmp_path / "kosovo.csv"
    kosovo.write_text(HEKMAN_HEADER + "".join(rows), encoding="utf-8")

    out = run_import(kosovo)

    assert "rejected:" not in out
    assert pair(city("Prizren", "XK"), city("Berat", "AL")).exists()
    assert (
        Partnership.objects.filter(Q(city_a__country="XK") | Q(city_b__country="XK")).count() == 75
    )


def test_every_country_string_of_the_hekman_list_resolves_or_is_known_to_be_reported():
    """The 238 distinct strings of the real file, as read in the README (the empty string is
    reported)."""
    path = HEKMAN_LIST
    if path is None:
        pytest.skip("the Hekman list is not beside the project")
    with path.open(newline="", encoding="utf-8") as stream:
        strings = {row[i] for row in csv.DictReader(stream) for i in ("country1", "country2")}
    assert len(strings) == 238
    resolver = CountryResolver()
    assert {s for s in strings if resolver.resolve(s) is None} == {""}


# --- City names -------------------------------------------------------------------------------


def test_city_names_compare_without_case_spacing_or_punctuation():
    assert name_key("  Villeneuve-d'Ascq ") == name_key("villeneuve d’ascq") == "villeneuve dascq"
    assert name_key("Kan'onji") == name_key("Kanonji")
    assert name_key("BERLIN") == name_key("Berlin")
    assert name_key("Fürth") != name_key("Furth")  # accents are kept here…
    assert fold_key("Fürth") == fold_key("Furth")  # …and only compared with distance
    assert fold_key("Chişinău") == fold_key("Chișinău") == "chisinau"
    assert fold_key("Łódź") == "lodz"


# --- Batches ----------------------------------------------------------------------------------


def generated_file(path, n, prefix="Town"):
    """n rows, each between two new cities."""
    lines = [HEKMAN_HEADER]
    for i in range(n):
        lat, lng = 40 + (i % 100) / 10, (i % 300) / 10
        lines.append(
            f"{prefix} {i} A,Germany,{lat},{lng},{prefix} {i} B,France,{lat - 1},{lng + 1}\n"
        )
    path.write_text("".join(lines))
    return path


def test_a_failure_in_a_batch_leaves_only_whole_batches(db, tmp_path, monkeypatch):
    path = generated_file(tmp_path / "six.csv", 6)
    original = QuerySet.bulk_create
    calls = []

    def failing_bulk_create(self, objs, *args, **kwargs):
        if self.model is Partnership:
            calls.append(len(objs))
            if len(calls) == 2:  # the second batch: its cities are already inserted
                raise RuntimeError("disk full")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing_bulk_create)
    with pytest.raises(CommandError, match="lines 4–5 could not be written"):
        run_import(path, "--batch-size=2")

    # The first batch (lines 2–3) is saved whole; nothing of the second one is left.
    assert counts() == (4, 2, 2)
    assert set(City.objects.values_list("name", flat=True)) == {
        "Town 0 A",
        "Town 0 B",
        "Town 1 A",
        "Town 1 B",
    }

    monkeypatch.setattr(QuerySet, "bulk_create", original)
    out = run_import(path, "--batch-size=2")
    assert "partnerships:         4 created, 2 already present" in out
    assert counts() == (12, 6, 6)


def test_the_number_of_queries_does_not_grow_with_the_rows(db, tmp_path):
    def import_queries(n, prefix):
        path = generated_file(tmp_path / f"{n}.csv", n, prefix)
        with CaptureQueriesContext(connection) as context:
            run_import(path)
        assert Partnership.objects.filter(city_a__name__startswith=prefix).count() == n
        # bulk_create's INSERTs; the search index's refresh (SQLite: INSERT OR REPLACE, as
        # PostgreSQL's UPDATE) is one statement per batch among the others.
        inserts = [
            q
            for q in context.captured_queries
            if q["sql"].startswith("INSERT") and not q["sql"].startswith("INSERT OR REPLACE")
        ]
        return len(context.captured_queries) - len(inserts), len(inserts)

    def insert_statements(n):
        """What bulk_create needs for n rows on this database (SQLite: 999 parameters each)."""
        total = 0
        for model, objects in ((City, 2 * n), (Partnership, n), (Source, n)):
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            size = connection.ops.bulk_batch_size(fields, [None] * objects)
            total += math.ceil(objects / size)
        return total

    other_50, inserts_50 = import_queries(50, "Small")
    other_500, inserts_500 = import_queries(500, "Large")

    assert other_500 == other_50  # loading, transaction, id look-ups: per batch, not per row
    assert inserts_50 <= insert_statements(50)
    assert inserts_500 <= insert_statements(500)
    assert other_500 + inserts_500 < 500 / 5


# --- Output -----------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_on_a_terminal_only(demo, capsys):
    call_command("import_twinnings", str(GENERIC), stdout=io.StringIO())
    assert "Importing" not in capsys.readouterr().err

    out = Terminal()
    call_command("import_twinnings", str(GENERIC), "--dry-run", stdout=out)
    assert "Importing: 100%" in capsys.readouterr().err
    assert "line 5: rejected: invalid established date" in out.getvalue()


# What the importer's parts say about a value they refuse (each reaches the report)


def test_an_impossible_date_is_refused_with_the_formats_it_takes():
    with pytest.raises(RowError) as refused:
        parse_date("1988-13")
    assert refused.value.reason == "invalid established date"
    assert refused.value.detail == (
        "“1988-13” is not a date (write 2016, 2011-05, May 2011, 29.05.1986 or 1986-05-29)"
    )
    assert str(refused.value) == f"invalid established date: {refused.value.detail}"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1988", (datetime.date(1988, 1, 1), "year")),
        ("Mai 1988", (datetime.date(1988, 5, 1), "month")),
        ("12.05.1988", (datetime.date(1988, 5, 12), "day")),
        ("1988年5月", (datetime.date(1988, 5, 1), "month")),
    ],
)
def test_dates_are_read_as_the_admin_reads_them(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["Sister City", "sister cities", "Twin Town", "twinning"])
def test_the_usual_names_of_a_twinning_are_understood(written):
    assert choice(Partnership.Kind, written, "invalid kind") == Partnership.Kind.TWINNING


def test_an_unknown_kind_is_refused_naming_the_kinds_there_are():
    with pytest.raises(RowError) as refused:
        choice(Partnership.Kind, "cousin town", "invalid kind")
    allowed = ", ".join(Partnership.Kind.values)
    assert str(refused.value) == f"invalid kind: “cousin town” (expected one of: {allowed})"


def test_a_city_without_coordinates_is_no_distance_from_any_spelling():
    assert CityRef(1, "Mérida", None, None).distance(38.9, -6.3) == 0.0
    assert CityRef(1, "Mérida", 38.9, -6.3).distance(None, None) == 0.0
    assert CityRef(1, "Mérida", 38.9, -6.3).distance(20.97, -89.62) > 8000
