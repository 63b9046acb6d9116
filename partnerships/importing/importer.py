"""Import known twinnings from a CSV file: `manage.py import_twinnings` (see the README).

The file is streamed: it is read line by line, each line decoded on its own, and rows are
written in batches (one transaction and a few bulk inserts per batch). In memory stays only what
matching needs: every city's key (name and country), every partnership's pair of cities, and
the slugs in use.

A row that cannot be imported is reported with its line number and reason and skipped; it never
stops the import, and it is rejected before anything of it is written. Whatever a line holds is
checked before the database sees it: bytes that are not UTF-8, control characters (NUL, which
PostgreSQL refuses in text, among them), a quote left open (the lines it would swallow are read
again as rows of their own). A row the database refuses all the same (a DataError or
IntegrityError) costs only that row: its batch is written again row by row, each in a savepoint,
and the refused row is reported and skipped. Any other database error (the connection lost, the
disk full) rolls back its whole batch and stops the import: the batches before it stay, and a
second run picks up where it stopped, since rows already imported are recognised ("already
present").
"""

import csv
import datetime
import re
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from cities.geography import distance_km
from cities.models import City
from core.dates import DatePrecision
from core.indexes import refresh_planner_statistics
from core.page_cache import bump_content_version
from core.partial_dates import ACCEPTED_FORMS_EN, PartialDateError, parse_partial_date
from core.text_hygiene import describe_character, find_control_character
from partnerships.models import (
    SLUG_BASE_LENGTH,
    Partnership,
    Source,
    partnership_slug_base,
    unique_slug,
)
from partnerships.scheduling import next_review_date

from .country_aliases import CountryResolver

BATCH_SIZE = 1000

# What the report says of a line (the CSV download's "outcome" column).
REJECTED = "rejected"
ALREADY_PRESENT = "already present"
NOTE = "note"


def entry_text(line, outcome, message):
    """A line of the report as the command prints it: "line 6: rejected: unknown country: …"."""
    return f"line {line}: {message}" if outcome == NOTE else f"line {line}: {outcome}: {message}"


def lines_of(stream, chunk_size=1 << 16):
    """A binary file object's lines, split at b"\\n" only, as iterating over an open file does
    (Django's File splits at \\r too, which would cut a line with a stray carriage return)."""
    rest = b""
    while chunk := stream.read(chunk_size):
        *lines, rest = (rest + chunk).split(b"\n")
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


# Two spellings that differ only in accents or special letters name one city only if they lie
# this close together (or one has no coordinates): Chişinău/Chișinău are one city, Fürth and
# Furth (90 km apart) are two.
SPELLING_MATCH_KM = 25

COORDINATE_PLACES = Decimal("0.00001")  # City.latitude/longitude: 5 decimal places
NAME_MAX_LENGTH = City._meta.get_field("name").max_length

HEKMAN_SOURCE = {
    "title": "List of twin towns and sister cities (Wikipedia), via Hekman/twincities",
    "publisher": "Wikipedia contributors; compiled and geocoded by Erik Hekman",
    "url": "https://github.com/Hekman/twincities",
    "year": 2026,
}


@dataclass(frozen=True)
class Format:
    name: str
    columns: dict  # the file's column name → the field it holds
    optional: tuple = ()

    @property
    def required(self):
        return set(self.columns)


SIDE_FIELDS = ("city", "country", "lat", "lng")
FORMATS = {
    "hekman": Format(
        "hekman",
        {
            f"{name}{n}": f"{name}_{side}"
            for n, side in (("1", "a"), ("2", "b"))
            for name in SIDE_FIELDS
        },
    ),
    "generic": Format(
        "generic",
        {f"{name}_{side}": f"{name}_{side}" for side in "ab" for name in SIDE_FIELDS},
        optional=("established", "kind", "status"),
    ),
}


def detect_format(header):
    """The format whose columns the header holds (Hekman first: it is the stricter), or None."""
    columns = set(header)
    for fmt in FORMATS.values():
        if fmt.required <= columns <= fmt.required | set(fmt.optional):
            return fmt
    return None


# --- Names -----------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter and an accent.
SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)


APOSTROPHES = re.compile("['\u2019\u2018\u02bc\u0060\u00b4]")


def name_key(name):
    """A city name for comparison: case, spacing and punctuation do not matter.

    Apostrophes are dropped, other punctuation separates words: "Villeneuve-d'Ascq" and
    "Villeneuve d’Ascq" → "villeneuve dascq", "Kan'onji" → "kanonji"; "Straße" → "strasse".
    """
    text = APOSTROPHES.sub("", unicodedata.normalize("NFKC", name).casefold())
    return re.sub(r"[\W_]+", " ", text).strip()


def fold(text):
    """`text` without accents or special letters: "Chişinău" and "Chișinău" → "chisinau"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(SPECIAL_LETTERS)


def fold_key(name):
    return re.sub(r"[\W_]+", " ", fold(name_key(name))).strip()


def city_slug_base(name, country):
    """ "lodz-pl" for Łódź in Poland."""
    return f"{slugify(fold(name))[:SLUG_BASE_LENGTH] or 'city'}-{country.lower()}"


class CityRef:
    """A city the import knows: one already stored, or one it creates (id None until saved).

    `key` tells cities apart before they have an id: the id for stored cities, a negative
    number for new ones.
    """

    __slots__ = ("key", "id", "name", "name_key", "lat", "lng", "existing", "obj")

    def __init__(self, key, name, lat, lng, *, id=None, existing=False, obj=None):
        self.key = key
        self.id = id
        self.name = name
        self.name_key = name_key(name)
        self.lat = None if lat is None else float(lat)
        self.lng = None if lng is None else float(lng)
        self.existing = existing
        self.obj = obj

    def distance(self, lat, lng):
        if self.lat is None or lat is None:
            return 0.0
        return distance_km(self.lat, self.lng, lat, lng)


def best_match(candidates, key, lat, lng):
    """The city among `candidates` (same folded name and country) that the spelling names.

    The same spelling (up to case, spacing and punctuation) is the same city, wherever its
    coordinates put it; a spelling that differs in accents must also be close by.
    """
    same = [c for c in candidates if c.name_key == key]
    if not same:
        same = [c for c in candidates if c.distance(lat, lng) <= SPELLING_MATCH_KM]
    if len(same) > 1:
        return min(same, key=lambda c: (c.distance(lat, lng), c.key < 0, abs(c.key)))
    return same[0] if same else None


# --- Rows ------------------------------------------------------------------------------------


class RowError(Exception):
    """A row that cannot be imported: `reason` names the kind (for the summary)."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Side:
    name: str
    country: str
    latitude: Decimal
    longitude: Decimal


@dataclass
class Row:
    line: int
    a: Side
    b: Side
    established: datetime.date | None = None
    precision: str = DatePrecision.DAY
    kind: str = Partnership.Kind.TWINNING
    status: str = Partnership.Status.ACTIVE
    slug: str | None = None  # the partnership's, chosen once: a batch may be written twice


SURROGATE = re.compile("[\udc80-\udcff]")


def shown(text):
    """A field as it can be printed: undecodable bytes as �."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class Lines:
    """The file's lines, decoded and numbered, for csv.reader; `taken` collects the lines of the
    record being read, and lines given to `read_again` come next. (A class, not a generator: it
    goes on after the end of the file once lines are given back.)"""

    def __init__(self, stream, progress):
        self.stream = stream
        self.progress = progress
        self.number = 0
        self.again = deque()
        self.taken = []

    def __iter__(self):
        return self

    def __next__(self):
        if self.again:
            item = self.again.popleft()
        else:
            raw = next(self.stream)
            if self.progress:
                self.progress(len(raw))
            self.number += 1
            item = self.number, raw.decode("utf-8", errors="surrogateescape")
        self.taken.append(item)
        return item[1]

    def read_again(self, items):
        self.again.extendleft(reversed(items))


def parse_coordinate(text, label, limit):
    text = text.strip()
    if not text:
        raise RowError("missing coordinates", f"no {label}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError("invalid coordinates", f"{label} “{text}” is not a number") from None
    if not value.is_finite():
        raise RowError("invalid coordinates", f"{label} “{text}” is not a number")
    if abs(value) > limit:
        raise RowError(
            "coordinates out of range", f"{label} {text} is not between -{limit} and {limit}"
        )
    return value.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def parse_date(text):
    """ "1988", "1988-05", "May 1988", "12.05.1988", "1988年5月" … → (date, precision): the forms
    the admin's date fields read (core/partial_dates.py)."""
    try:
        parsed = parse_partial_date(text)
    except PartialDateError:
        raise RowError(
            "invalid established date", f"“{text}” is not a date (write {ACCEPTED_FORMS_EN})"
        ) from None
    return parsed.date, parsed.precision


def choice(choices, text, reason):
    """A TextChoices value from its value or label, in any case."""
    wanted = text.strip().casefold()
    for value, label in choices.choices:
        if wanted in (value.casefold(), str(label).casefold()):
            return value
    if choices is Partnership.Kind and wanted in {"sister city", "sister cities", "twin town"}:
        return Partnership.Kind.TWINNING
    allowed = ", ".join(value for value, _label in choices.choices)
    raise RowError(reason, f"“{text}” (expected one of: {allowed})")


# --- The import ------------------------------------------------------------------------------


@dataclass
class Summary:
    dry_run: bool = False
    rows: int = 0
    cities_created: int = 0
    cities_reused: set = field(default_factory=set)
    other_spellings: int = 0
    partnerships_created: int = 0
    already_in_database: int = 0
    repeated_in_file: int = 0
    rejected: Counter = field(default_factory=Counter)
    batches: int = 0
    stopped_at: int | None = None

    @property
    def already_present(self):
        return self.already_in_database + self.repeated_in_file

    def lines(self):
        verb = "would be created" if self.dry_run else "created"
        out = [
            "Summary" + (" (dry run: nothing was written)" if self.dry_run else "") + ":",
            f"  rows read:            {self.rows:,}",
            f"  cities:               {self.cities_created:,} {verb}, "
            f"{len(self.cities_reused):,} existing reused"
            + (
                f" ({self.other_spellings:,} spellings matched to another spelling)"
                if self.other_spellings
                else ""
            ),
            f"  partnerships:         {self.partnerships_created:,} {verb}, "
            f"{self.already_present:,} already present "
            f"({self.already_in_database:,} in the database, "
            f"{self.repeated_in_file:,} repeated in the file)",
            f"  rejected rows:        {self.rejected.total():,}",
        ]
        width = max((len(reason) for reason in self.rejected), default=0)
        out += [
            f"    {reason:<{width}}  {count:>6,}" for reason, count in self.rejected.most_common()
        ]
        return out


class ImportFailed(Exception):
    """The import cannot go on; the message says why, for the person who ran it."""


class FileRefused(ImportFailed):
    """The file cannot be imported at all (no header, not a known format): nothing was read."""


class ImportCancelled(ImportFailed):
    """Cancelled between batches: the batches before stay, nothing after `last_line` was read."""

    def __init__(self, last_line):
        super().__init__(
            f"cancelled after line {last_line}: the rows up to it are imported, the lines after "
            "it were not read"
        )
        self.last_line = last_line


class ImportStopped(ImportFailed):
    """A batch could not be written: it was rolled back, and the import stopped there."""

    def __init__(self, first_line, last_line, error):
        super().__init__(
            f"lines {first_line}–{last_line} could not be written ({error.__class__.__name__}: "
            f"{error}); that batch was rolled back and the import stopped. The batches before it "
            "are saved: run the import again to continue (rows already imported are skipped)."
        )
        self.first_line = first_line
        self.last_line = last_line


class Importer:
    def __init__(
        self,
        *,
        dry_run=False,
        source=None,
        batch_size=BATCH_SIZE,
        using=DEFAULT_DB_ALIAS,
        emit=print,
        verbosity=1,
        on_entry=None,
        on_batch=None,
        should_stop=None,
    ):
        """`emit(text)` is given each line of the report as the command prints it; the hooks,
        for an import run from the admin (importing/tasks.py): `on_entry(line, outcome, message)`
        the same report, structured; `on_batch(last_line, cities, partnerships)` is called inside
        each batch's transaction with what it wrote (progress is saved with the rows, so a
        resumed import knows exactly where to go on); `should_stop()`, asked between batches,
        cancels the import (ImportCancelled) when true."""
        self.dry_run = dry_run
        self.source_overrides = dict(source or {})  # Source fields over the format's default
        self.batch_size = max(1, batch_size)
        self.using = using
        self.emit = emit
        self.verbosity = verbosity
        self.on_entry = on_entry
        self.on_batch = on_batch
        self.should_stop = should_stop
        self.countries = CountryResolver()
        self.summary = Summary(dry_run=dry_run)

    # Reading -------------------------------------------------------------------------------

    def run(self, path, fmt=None, progress=None, *, filename=None, after_line=0):
        """Import `path` (or a binary file object: an upload in the storage); `fmt` is a FORMATS
        key or None to detect it; `progress(nbytes)` is told how much of the file has been read.
        `filename` names the file in the report and sources (default: the path's); lines up to
        `after_line` are skipped (a resumed import: they were imported). Returns the Summary."""
        if hasattr(path, "read"):
            self.filename = filename or Path(getattr(path, "name", "") or "upload.csv").name
            return self.read(lines_of(path), fmt, progress, after_line)
        path = Path(path)
        self.filename = filename or path.name
        with path.open("rb") as stream:
            return self.read(stream, fmt, progress, after_line)

    def read(self, stream, fmt, progress, after_line):
        self.header = None
        records = self.records(stream, progress)
        self.format, self.columns = self.read_header(records, fmt)
        self.source = {**self.default_source(), **self.source_overrides}
        self.load_state()
        self.pending_cities, self.pending_rows = [], []
        batch_first = None
        read = 0
        for line, fields in records:
            if line <= after_line:
                continue
            batch_first = batch_first or line
            self.summary.rows += 1
            read += 1
            self.take(line, fields)
            if read == self.batch_size:
                self.flush(batch_first, line)
                batch_first, read = None, 0
                if self.should_stop and self.should_stop():
                    raise ImportCancelled(line)
        if read:
            self.flush(batch_first, line)
        if not self.dry_run and (self.summary.cities_created or self.summary.partnerships_created):
            refresh_planner_statistics(City, Partnership, using=self.using)
        return self.summary

    def records(self, stream, progress):
        """(line number, fields) for each CSV record; bytes that are not UTF-8 are kept as
        surrogates (and reported with their row); a record that cannot be read comes as an
        exception instead of its fields.

        A quote left open makes the csv module read on into the following lines, to the end of
        the file or the next quote. A record over several lines that then does not fit the
        header is taken to be one: only its first line is rejected, and the lines after it are
        read again as rows of their own."""
        lines = Lines(stream, progress)
        reader = csv.reader(lines)
        while True:
            lines.taken = []
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                fields = error
            taken = lines.taken
            if self.header is not None:
                problem = self.unclosed_quote(fields, len(taken))
                if problem:
                    lines.read_again(taken[1:])
                    fields = problem
            yield taken[0][0], fields

    def unclosed_quote(self, fields, nlines):
        """The error to report for a record that a quote left open has read on past the end of
        its line, or None: a record with a line break in a field (read over several lines, or
        one that ran to the end of the file) that the csv module failed on, whose columns do
        not match the header, or where a column the import reads holds the line break (a name
        never does; a column it ignores, such as notes, may)."""
        more = "; the lines after it are read as rows of their own"
        if isinstance(fields, Exception):
            if nlines == 1:
                return None
            return RowError(
                "unclosed quote", f"a quote on this line is not closed ({fields}){more}"
            )
        broken = [i for i, value in enumerate(fields) if "\n" in value or "\r" in value]
        if not broken or (
            len(fields) == self.header_length and not set(broken) & set(self.columns.values())
        ):
            return None
        if nlines == 1:
            more = ""
        return RowError(
            "unclosed quote",
            f"the quote in {self.column(broken[0])} is not closed on this line{more}",
        )

    def column(self, index):
        """ "column 5 (city2)": a column by its number and, where the header has one, its name."""
        if index < len(self.header):
            return f"column {index + 1} ({shown(self.header[index])})"
        return f"column {index + 1}"

    def read_header(self, records, fmt_name):
        for line, fields in records:
            if isinstance(fields, Exception) or not any(f.strip() for f in fields):
                continue
            header = [f.strip().lstrip("\ufeff").strip().lower() for f in fields]
            if fmt_name:
                fmt = FORMATS[fmt_name]
                if not fmt.required <= set(header):
                    missing = ", ".join(sorted(fmt.required - set(header)))
                    raise FileRefused(
                        f"Line {line}: the header lacks the {fmt.name} format's columns: {missing}."
                    )
            else:
                fmt = detect_format(header)
                if fmt is None:
                    raise FileRefused(
                        f"Line {line}: the header {', '.join(map(shown, header))} is neither the "
                        "Hekman format (city1,country1,lat1,lng1,city2,country2,lat2,lng2) nor the "
                        "generic one (city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b,lng_b"
                        "[,established,kind,status]). Use --format to say which it is."
                    )
            known = fmt.required | set(fmt.optional)
            ignored = [name for name in header if name not in known]
            if ignored and self.verbosity:
                message = f"Ignoring unknown columns: {', '.join(map(shown, ignored))}."
                self.emit(message)
                if self.on_entry:
                    self.on_entry(line, NOTE, message)
            columns = {}
            for index, name in enumerate(header):
                if name in known:
                    columns.setdefault(fmt.columns.get(name, name), index)
            self.header = header
            self.header_length = len(header)
            return fmt, columns
        raise FileRefused("The file has no header line (it is empty).")

    def default_source(self):
        if self.format.name == "hekman":
            return dict(HEKMAN_SOURCE)
        return {
            "title": f"Imported from {self.filename}",
            "publisher": "",
            "url": "",
            "year": timezone.localdate().year,
        }

    # State -----------------------------------------------------------------------------------

    def load_state(self):
        """What matching needs, in a few queries: every city, partnership pair and slug."""
        self.index = {}  # (folded name, country) → [CityRef]
        self.city_slugs = set()
        self.new_keys = 0
        cities = (
            City._base_manager.using(self.using)
            .order_by("pk")
            .values_list("pk", "name_en", "country", "latitude", "longitude", "slug")
        )
        for pk, name, country, lat, lng, slug in cities.iterator(chunk_size=5000):
            ref = CityRef(pk, name, lat, lng, id=pk, existing=True)
            self.index.setdefault((fold_key(name), country), []).append(ref)
            self.city_slugs.add(slug)
        partnerships = Partnership._base_manager.using(self.using).order_by()
        self.partnership_slugs = set(partnerships.values_list("slug", flat=True).iterator())
        # Unordered pair of city keys → the line that brought it (0: it was in the database).
        self.pairs = {
            pair_key(a, b): 0
            for a, b in partnerships.values_list("city_a_id", "city_b_id").iterator(chunk_size=5000)
        }
        self.reported_spellings = set()

    # Rows ------------------------------------------------------------------------------------

    def reject(self, line, error):
        self.summary.rejected[error.reason] += 1
        if self.verbosity:
            self.entry(line, REJECTED, str(error))

    def note(self, line, message, level=1, outcome=NOTE):
        if self.verbosity >= level:
            self.entry(line, outcome, message)

    def entry(self, line, outcome, message):
        """One line of the report: printed, and given to `on_entry`."""
        self.emit(entry_text(line, outcome, message))
        if self.on_entry:
            self.on_entry(line, outcome, message)

    def take(self, line, fields):
        try:
            row = self.parse(line, fields)
            ref_a, ref_b, new = self.resolve_cities(row)
        except RowError as error:
            self.reject(line, error)
            return
        pair = pair_key(ref_a.key, ref_b.key)
        if pair in self.pairs:
            first = self.pairs[pair]
            if first:
                self.summary.repeated_in_file += 1
                self.note(
                    line,
                    f"{ref_a.name} – {ref_b.name} is the pair of line {first} (in either order)",
                    outcome=ALREADY_PRESENT,
                )
            else:
                self.summary.already_in_database += 1
                self.note(
                    line,
                    f"{ref_a.name} – {ref_b.name} is in the database",
                    2,
                    outcome=ALREADY_PRESENT,
                )
        else:
            self.pairs[pair] = line
            self.pending_rows.append((row, ref_a, ref_b))
        for ref, folded in new:  # registered only now: a rejected row creates no city
            self.register(ref, folded)
        for ref in (ref_a, ref_b):
            if ref.existing:
                self.summary.cities_reused.add(ref.key)

    def parse(self, line, fields):
        if isinstance(fields, RowError):
            raise fields
        if isinstance(fields, Exception):
            raise RowError("unreadable CSV", str(fields))
        if not fields or not any(f.strip() for f in fields):
            raise RowError("empty line")
        for index, value in enumerate(fields):
            if SURROGATE.search(value):
                byte = ord(SURROGATE.search(value).group()) - 0xDC00
                raise RowError(
                    "not valid UTF-8",
                    f"byte 0x{byte:02X} in column {index + 1} (“{shown(value)}”)",
                )
        if len(fields) != self.header_length:
            raise RowError(
                "wrong number of columns", f"{len(fields)} instead of {self.header_length}"
            )
        # Before anything is stripped (str.split() takes U+000B for a space) and before the
        # database sees it (PostgreSQL refuses NUL in text: the whole batch would fail).
        for index in sorted(self.columns.values()):
            found = find_control_character(fields[index])
            if found:
                char, position = found
                raise RowError(
                    "control character",
                    f"{describe_character(char)} in {self.column(index)} at position {position}",
                )
        value = {name: fields[index] for name, index in self.columns.items()}
        row = Row(line, self.parse_side(value, "a"), self.parse_side(value, "b"))
        if value.get("established", "").strip():
            row.established, row.precision = parse_date(value["established"].strip())
        if value.get("kind", "").strip():
            row.kind = choice(Partnership.Kind, value["kind"], "unknown kind")
        if value.get("status", "").strip():
            row.status = choice(Partnership.Status, value["status"], "unknown status")
        return row

    def parse_side(self, value, side):
        name = " ".join(value[f"city_{side}"].split())
        country_text = " ".join(value[f"country_{side}"].split())
        if not name:
            raise RowError("missing city name", f"city {side.upper()} has no name")
        if not country_text and "," in name:
            # "Varna, Bulgaria" with an empty country column: the country is in the name.
            head, tail = (part.strip() for part in name.rsplit(",", 1))
            if head and self.countries.resolve(tail):
                name, country_text = head, tail
        if len(name) > NAME_MAX_LENGTH:
            raise RowError(
                "city name too long", f"“{name[:40]}…” has more than {NAME_MAX_LENGTH} characters"
            )
        if not country_text:
            raise RowError("unknown country", f"no country given for “{name}”")
        country = self.countries.resolve(country_text)
        if country is None:
            why = self.countries.explain(country_text)
            raise RowError(
                "unknown country",
                f"“{country_text}” (city “{name}”)" + (f": {why}" if why else ""),
            )
        latitude = parse_coordinate(value[f"lat_{side}"], f"latitude of {name}", 90)
        longitude = parse_coordinate(value[f"lng_{side}"], f"longitude of {name}", 180)
        return Side(name, country, latitude, longitude)

    def resolve_cities(self, row):
        """The two cities of a row, found or new; new ones are registered by the caller."""
        new = []
        refs = []
        for side in (row.a, row.b):
            key, folded = name_key(side.name), (fold_key(side.name), side.country)
            candidates = list(self.index.get(folded, ()))
            candidates += [ref for ref, ref_folded in new if ref_folded == folded]
            ref = best_match(candidates, key, side.latitude, side.longitude)
            if ref is None:
                self.new_keys -= 1
                ref = CityRef(self.new_keys, side.name, side.latitude, side.longitude)
                ref.obj = City(
                    name=side.name,
                    name_en=side.name,  # the original, whatever language is active
                    country=side.country,
                    latitude=side.latitude,
                    longitude=side.longitude,
                )
                new.append((ref, folded))
            elif ref.name_key != key and (key, side.country) not in self.reported_spellings:
                self.reported_spellings.add((key, side.country))
                self.summary.other_spellings += 1
                self.note(
                    row.line,
                    f"“{side.name}” ({side.country}) taken as the city “{ref.name}” "
                    "(another spelling)",
                )
            refs.append(ref)
        if refs[0] is refs[1]:
            raise RowError("same city on both sides", f"“{row.a.name}” ({row.a.country}) twice")
        return refs[0], refs[1], new

    def register(self, ref, folded):
        ref.obj.slug = unique_slug(city_slug_base(ref.name, folded[1]), self.city_slugs)
        self.index.setdefault(folded, []).append(ref)
        self.pending_cities.append(ref)

    # Writing ---------------------------------------------------------------------------------

    def flush(self, first_line, last_line):
        cities, rows = self.pending_cities, self.pending_rows
        self.pending_cities, self.pending_rows = [], []
        writing = not self.dry_run and (cities or rows)
        if writing or self.on_batch:
            try:
                with transaction.atomic(using=self.using):
                    if writing:
                        try:
                            with transaction.atomic(using=self.using):
                                self.write(cities, rows)
                        except (DataError, IntegrityError):
                            # A row the checks let through: only it is lost, not its batch.
                            self.unsave(cities)
                            cities, rows = self.write_row_by_row(cities, rows)
                    if self.on_batch:
                        self.on_batch(last_line, len(cities), len(rows))
            except Exception as error:
                self.summary.stopped_at = first_line
                raise ImportStopped(first_line, last_line, error) from error
            if writing:
                bump_content_version()  # bulk inserts send no signals: the cached pages are stale
        for ref in cities:
            ref.obj = None  # written (or, in a dry run, counted): only the key stays in memory
        self.summary.cities_created += len(cities)
        self.summary.partnerships_created += len(rows)
        self.summary.batches += 1

    def write_row_by_row(self, cities, rows):
        """Write `rows` one by one, each in a savepoint: a row the database refuses is reported
        and skipped, with the cities only it needed. Returns the cities and rows written."""
        written_cities, written_rows = [], []
        for row, ref_a, ref_b in rows:
            new = [ref for ref in (ref_a, ref_b) if ref.id is None]
            try:
                with transaction.atomic(using=self.using):
                    self.write(new, [(row, ref_a, ref_b)])
            except (DataError, IntegrityError) as error:
                self.unsave(new)  # a later row of the batch may need them: it writes them then
                del self.pairs[pair_key(ref_a.key, ref_b.key)]
                self.reject(
                    row.line,
                    RowError("refused by the database", f"{error.__class__.__name__}: {error}"),
                )
            else:
                written_cities += new
                written_rows.append((row, ref_a, ref_b))
        for ref in cities:
            if ref.id is None:  # no row that needed it was written: a later row creates it anew
                self.index[(fold_key(ref.name), ref.obj.country)].remove(ref)
                self.city_slugs.discard(ref.obj.slug)
        return written_cities, written_rows

    @staticmethod
    def unsave(refs):
        """Forget the ids of new cities whose insert was rolled back."""
        for ref in refs:
            ref.id = ref.obj.pk = None
            ref.obj._state.adding = True

    def write(self, cities, rows):
        saved = City._base_manager.using(self.using).bulk_create([ref.obj for ref in cities])
        ids = self.ids(City, saved)
        for ref in cities:
            ref.id = ids[ref.obj.slug]
        now = timezone.now()
        review_by = next_review_date(timezone.localdate(now))  # what publish() would set
        partnerships = []
        for row, ref_a, ref_b in rows:
            row.slug = row.slug or unique_slug(
                partnership_slug_base(ref_a.name, ref_b.name), self.partnership_slugs
            )
            partnerships.append(
                Partnership(
                    slug=row.slug,
                    city_a_id=ref_a.id,
                    city_b_id=ref_b.id,
                    kind=row.kind,
                    status=row.status,
                    established=row.established,
                    established_precision=row.precision,
                    state=Partnership.State.PUBLISHED,
                    published_at=now,
                    review_by=review_by,
                )
            )
        saved = Partnership._base_manager.using(self.using).bulk_create(partnerships)
        ids = self.ids(Partnership, saved)
        # bulk_create skips Partnership.save(): derive what it would (the search document, where
        # the model keeps one) for the whole batch at once.
        Partnership.objects.using(self.using).filter(
            pk__in=list(ids.values())
        ).refresh_search_document()
        sources = [
            Source(
                partnership_id=ids[partnership.slug],
                note=f"{self.filename}, line {row.line}"[:300],
                **self.source,
            )
            for partnership, (row, _a, _b) in zip(partnerships, rows, strict=True)
        ]
        Source._base_manager.using(self.using).bulk_create(sources)

    def ids(self, model, saved):
        """slug → id of objects just bulk-created (read back where the database cannot return
        them)."""
        ids = {obj.slug: obj.pk for obj in saved if obj.pk is not None}
        missing = [obj.slug for obj in saved if obj.pk is None]
        if missing:
            manager = model._base_manager.using(self.using)
            ids.update(manager.filter(slug__in=missing).values_list("slug", "pk"))
        return ids


def pair_key(a, b):
    return (a, b) if a < b else (b, a)
