"""Free-text search over partnerships: PostgreSQL full-text search, an FTS5 index on SQLite.

PostgreSQL: every partnership stores a weighted search document (`Partnership.search_document`,
a tsvector with a GIN index): the two city names weigh most (A), then the summary (B), the other
narrative sections (C) and its activities' titles and descriptions (D). A query is read like a
web search engine's (`websearch_to_tsquery`: words, "a quoted phrase", -leave-out, or), stemmed
(English: "exchanges" finds "exchange"); plain words also match the beginning of a city name
("dres" finds Dresden). Results are ranked (`ts_rank`) and come with a highlighted
snippet (`ts_headline`).

SQLite (the demo, the tests, small sites): an FTS5 index, the table `partnerships_search`, one
row per partnership (published or not; its rowid the partnership's id) with three columns: the
two city names in every language, the summaries, and the rest (the other narrative sections and
the activity titles, every language). Its trigram tokenizer makes the search a case-insensitive
substring search, as the simple one it replaces was (`LIKE '%…%'` over the partnerships, their
cities and activities, some 330 ms a query at world scale; a few ms now): "dres" finds Dresden,
柏林 is found inside 柏林市; it ignores the case of every alphabet (LIKE: ASCII only). Every
word (or "quoted phrase") must be found, each anywhere, and a -word must not, as in the full
text search; ranked by where each word is found: city name > summary > the rest (`_fts_match`).
A term of three characters or more is a phrase of the index; one of two characters (most
Chinese names) an OR of the trigrams beginning with it, read from the index's vocabulary
(`partnerships_search_terms`, fts5vocab), in the same statement: each text in the index ends
with a line break, so every two characters in it begin a trigram; a one-character term is read
in each candidate's row (LIKE). The snippet is cut around the first match in Python, every word
marked. A migration creates and fills the index (nothing on PostgreSQL); a trigger removes a
deleted partnership's row. Other databases search the rows with `LIKE` (`_fallback_match`).

Both are copies, kept fresh without signals: `refresh_documents()` (the queryset's
`refresh_search_document()`) runs after Partnership.save(), Activity.save() and
Activity.delete(), after the admin saved a partnership's inlines or deleted activities in bulk,
and in `manage.py update_search_index` for whatever bypasses them (loaddata, bulk_create,
queryset updates, renamed cities); `load_demo` runs the command itself. One statement whatever
the number of partnerships: an UPDATE of the documents on PostgreSQL, an INSERT OR REPLACE of
the index rows on SQLite.

Snippets are text written by staff: they are always escaped, and only the <mark> tags put in
here around matches are markup.
"""

import functools
import re

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    F,
    Func,
    Index,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.translated import ORIGINAL, column, in_any_language, languages, translated

CONFIG = "english"  # stemming and stop words of the original language
# Each content language's text is indexed with its own stemming; core PostgreSQL has none for
# Chinese (a run of Han characters is one token), so Chinese is indexed as it is written, and a
# query with Han characters also matches the Chinese columns by substring (`_cjk_match`).
CONFIGS = {"en": CONFIG, "de": "german", "zh-hans": "simple"}
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
MAX_QUERY_LENGTH = 200
# Each text is indexed up to this many characters (a tsvector holds at most 1 MB).
MAX_INDEXED_CHARS = 100_000
RANK = "search_rank"
# The page query's raw material for snippets.
HEADLINE = "search_headline"  # PostgreSQL: ts_headline with the markers below
FIRST_ACTIVITY = "search_activity_title"  # elsewhere: the first activity title that matches

# ts_headline puts these around each match; the snippet turns them into <mark> after escaping.
# Characters from Unicode's private use area: they never mean anything in staff text.
MARK_START, MARK_STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
_MARKERS = re.compile(f"[{MARK_START}{MARK_STOP}]")
_PLAIN_WORDS = re.compile(r"[^\W_]+(?:\s+[^\W_]+)*")
# Markdown that reads badly in a plain-text snippet: [text](url) links, emphasis, headings.
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_NOISE = re.compile(r"(?m)^\s{0,3}(?:#{1,6}|[-+>]|\d+\.)\s+|\*{1,3}|`+")
SNIPPET_BEFORE, SNIPPET_AFTER = 80, 160  # characters around the match, fallback snippet


def is_full_text(using="default"):
    return connections[using].vendor == "postgresql"


def is_indexed(using="default"):
    """Whether the search reads an index that must be kept fresh: PostgreSQL's documents or
    SQLite's FTS5 table."""
    return connections[using].vendor in ("postgresql", "sqlite")


class SearchDocumentIndex(GinIndex):
    """A GIN index on PostgreSQL; an ordinary one elsewhere, where the column stays empty."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


# --- The stored document (PostgreSQL) -------------------------------------------------------


def _related(model, name):
    return model._meta.get_field(name).related_model


def _capped(expression):
    return Left(expression, MAX_INDEXED_CHARS)


def _config(language):
    return CONFIGS.get(language, "simple")


def _concat(*parts):
    """PostgreSQL: the texts `parts` joined (NULL reads as ''). The same text as Concat, whose
    nested pairs, each wrapped in COALESCE, cost every search ten times the expressions to
    build, compare and compile."""
    return Func(*parts, function="concat", output_field=TextField())


def activities_text(model, language=ORIGINAL):
    """All of a partnership's activity titles and descriptions in `language`, as one text (a
    subquery). Explicit columns: modeltranslation would read the active language's."""
    from django.contrib.postgres.aggregates import StringAgg

    activity = _related(model, "activities")
    title, description = column("title", language), column("description", language)
    return Subquery(
        activity._base_manager.filter(partnership=OuterRef("pk"))
        .order_by()
        .values("partnership")
        .annotate(
            text=StringAgg(
                _concat(F(title), Value("\n"), F(description)),
                delimiter="\n",
                order_by="id",  # the same document for the same content
            )
        )
        .values("text"),
        output_field=TextField(),
    )


def document_expression(model):
    """The weighted tsvector of each `model` (Partnership) row, for an UPDATE.

    Every language's text, each with its language's stemming: the city names in every
    language (A: "Beijing", "Peking", "北京"), the summaries (B), the other sections (C) and the
    activities (D).
    """
    city = _related(model, "city_a")

    def city_name(side, language):
        names = city._base_manager.filter(pk=OuterRef(side)).values(column("name", language))
        return Subquery(names[:1])

    sections = [name for name in model.NARRATIVE_FIELDS if name != "summary"]
    vector = None
    for language in languages():
        config = _config(language)

        def text(name, language=language):
            return _capped(Coalesce(column(name, language), Value(""), output_field=TextField()))

        part = (
            SearchVector(
                city_name("city_a", language),
                city_name("city_b", language),
                weight="A",
                config=config,
            )
            + SearchVector(text("summary"), weight="B", config=config)
            + SearchVector(*map(text, sections), weight="C", config=config)
            + SearchVector(_capped(activities_text(model, language)), weight="D", config=config)
        )
        vector = part if vector is None else vector + part
    return vector


def refresh_documents(queryset):
    """Recompute the search document of every partnership in `queryset`; returns how many.

    One statement, whatever the number of rows: an UPDATE of the documents on PostgreSQL, an
    INSERT OR REPLACE of the index's rows on SQLite (`fts_refresh`); nothing (and no query)
    on other databases.
    """
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        return fts_refresh(queryset)
    if vendor != "postgresql":
        return 0
    return (
        queryset.model._base_manager.using(queryset.db)
        .filter(pk__in=queryset.order_by().values("pk"))
        .update(search_document=document_expression(queryset.model))
    )


def refresh_all(model, using="default"):
    """Rebuild every partnership's document (PostgreSQL) or the whole index (SQLite: emptied,
    filled and merged into one b-tree); returns how many, or None where there is nothing."""
    vendor = connections[using].vendor
    if vendor == "sqlite":
        with connections[using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
            count = fts_refresh(model._base_manager.using(using).all())
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608
        return count
    if vendor != "postgresql":
        return None
    return refresh_documents(model._base_manager.using(using).all())


# --- The index (SQLite: FTS5) ---------------------------------------------------------------

# One row per partnership (its rowid is the partnership's id), published or not, with the text
# the search looks in, every language's, in three columns for the ranking: the two city names,
# the summary, and the rest (the other narrative sections and the activity titles). Each text
# ends with a line break, which no search term holds: a term is never found across two texts.
FTS_TABLE = "partnerships_search"
FTS_COLUMNS = ("cities", "summary", "body")
# Its vocabulary, the trigrams (fts5vocab): a two-character term is looked up through it.
FTS_TERMS = "partnerships_search_terms"
FTS_DELETE_TRIGGER = "partnerships_search_delete"
# The trigram tokenizer finds substrings ("dres" finds Dresden, 柏林 inside 柏林市), ignoring
# case; a term needs three characters for the index, two through its vocabulary, one is read
# row by row (LIKE).
TRIGRAM = 3


def fts_create_sql(model):
    """The statements creating the index for `model` (Partnership), for a migration."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"{', '.join(FTS_COLUMNS)}, tokenize = 'trigram')",
        f"CREATE VIRTUAL TABLE {FTS_TERMS} USING fts5vocab({FTS_TABLE}, 'row')",
        # A deleted partnership (also by a cascade or a flush) leaves the index at once.
        f"CREATE TRIGGER {FTS_DELETE_TRIGGER} AFTER DELETE ON {table} "  # noqa: S608
        f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.{pk}; END",
    ]


def fts_drop_sql():
    return [
        f"DROP TRIGGER IF EXISTS {FTS_DELETE_TRIGGER}",
        f"DROP TABLE IF EXISTS {FTS_TERMS}",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    ]


def _lines(alias, model, field):
    """SQL: the text of `field` in every language, each followed by a line break."""
    parts = []
    for language in languages():
        name = model._meta.get_field(column(field, language)).column
        parts.append(f"coalesce({alias}.\"{name}\", '') || char(10)")
    return " || ".join(parts)


def fts_rows_sql(model, narrative_fields=None):
    """SQL selecting (id, cities, summary, body) of `model`'s rows (alias p): the text the
    index holds for each partnership. `narrative_fields`: the model's (a migration's model has
    no NARRATIVE_FIELDS)."""
    city, activity = _related(model, "city_a"), _related(model, "activities")
    city_table, activity_table = city._meta.db_table, activity._meta.db_table

    def city_names(side):
        side_column = model._meta.get_field(side).column
        return (
            f'coalesce((SELECT {_lines("c", city, "name")} FROM "{city_table}" c '  # noqa: S608
            f'WHERE c."{city._meta.pk.column}" = p."{side_column}"), \'\')'
        )

    narrative_fields = narrative_fields or model.NARRATIVE_FIELDS
    sections = [name for name in narrative_fields if name != "summary"]
    partnership_column = activity._meta.get_field("partnership").column
    titles = (
        f"coalesce((SELECT group_concat({_lines('a', activity, 'title')}, '') "  # noqa: S608
        f'FROM "{activity_table}" a WHERE a."{partnership_column}" = p."{model._meta.pk.column}"'
        "), '')"
    )
    body = " || ".join([*(_lines("p", model, name) for name in sections), titles])
    return (
        f'SELECT p."{model._meta.pk.column}", '  # noqa: S608
        f"{city_names('city_a')} || {city_names('city_b')}, "
        f"{_lines('p', model, 'summary')}, {body} "
        f'FROM "{model._meta.db_table}" p'
    )


def fts_refresh(queryset, narrative_fields=None):
    """Replace the index rows of the partnerships in `queryset` with their text as it is now;
    returns how many. One statement (INSERT OR REPLACE … SELECT), whatever the number."""
    model = queryset.model
    pks, params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
            f'{fts_rows_sql(model, narrative_fields)} WHERE p."{model._meta.pk.column}" IN ({pks})',
            params,
        )
        return cursor.rowcount


# --- Searching ------------------------------------------------------------------------------


# A word to leave out: "-word" at the start or after a space (outside a quoted phrase).
_LEFT_OUT = re.compile(r'(?<![^\s])-([^\W_][^\s"]*)(?=(?:[^"]*"[^"]*")*[^"]*$)')


def _in_any_config(text, search_type):
    query = None
    for config in dict.fromkeys(CONFIGS.values()):  # English, German, as written
        words = SearchQuery(text, search_type=search_type, config=config)
        query = words if query is None else query | words
    return query


def full_text_query(text):
    """The visitor's words as a tsquery, read like a web search engine's.

    Plain words (no quotes, no minus) also match the beginning of a city name ("dres" finds
    Dresden): a prefix query restricted to the city names' weight, A.

    The words are read in each content language's way (English and German stemming, and as
    written): a match in any of them counts. A left-out word (-word) must be absent in all of
    them, so it is taken out and excluded once for every language.
    """
    left_out = _LEFT_OUT.findall(text)
    wanted = _LEFT_OUT.sub(" ", text).strip() if left_out else text
    if not wanted:  # nothing but left-out words
        return SearchQuery(text, search_type="websearch", config=CONFIG)
    query = _in_any_config(wanted, "websearch")
    for word in left_out:
        for config in dict.fromkeys(CONFIGS.values()):
            query &= ~SearchQuery(word, search_type="plain", config=config)
    if _PLAIN_WORDS.fullmatch(text.strip()):
        city_prefixes = " & ".join(f"{word}:*A" for word in text.split())
        query |= SearchQuery(city_prefixes, search_type="raw", config="simple")
    return query


_FALLBACK_TERM = re.compile(r'(?<!\S)(-?)"([^"]+)"|(\S+)')


def fallback_terms(text):
    """The visitor's words for the fallback search: (wanted, left out).

    Each word, or "a quoted phrase", must be found; a -word (or -"phrase") must not be. As the
    full text search reads them, without stemming or "or". As typed: SQLite's LIKE ignores the
    case of ASCII letters only, so lower-casing "Ürümqi" would miss the name.
    """
    wanted, left_out = [], []
    for minus, phrase, word in _FALLBACK_TERM.findall(text):
        if phrase:
            term, into = phrase, left_out if minus else wanted
        elif word.startswith("-") and len(word) > 1:
            term, into = word[1:], left_out
        else:
            term, into = word, wanted
        term = " ".join(term.replace('"', " ").split())
        if term:
            into.append(term)
    if not wanted and not left_out:  # nothing but quotes: looked for as it is
        wanted = [" ".join(text.split())]
    return list(dict.fromkeys(wanted)), list(dict.fromkeys(left_out))


def _fallback_term_match(model, term):
    """Where one term is found: in a city name, the summary, or anywhere the search looks."""
    activity = _related(model, "activities")
    in_city = in_any_language("city_a__name", "icontains", term) | in_any_language(
        "city_b__name", "icontains", term
    )
    in_summary = in_any_language("summary", "icontains", term)
    in_sections = Q()
    for name in model.NARRATIVE_FIELDS:
        in_sections |= in_any_language(name, "icontains", term)
    in_activities = Exists(
        activity._base_manager.filter(
            in_any_language("title", "icontains", term), partnership=OuterRef("pk")
        )
    )
    return in_city, in_summary, in_city | in_sections | Q(in_activities)


def _fallback_match(model, text):
    """Which rows match `text` on a database without full-text search, and how well.

    Every word must be found (each in any of the fields, in any language: "hamburg shanghai"
    finds Hamburg – Shanghai), as PostgreSQL's full text search asks; a word found in a city
    name counts most, then one in the summary.
    """
    wanted, left_out = fallback_terms(text)
    match, rank = Q(), None
    for term in wanted:
        in_city, in_summary, anywhere = _fallback_term_match(model, term)
        match &= anywhere
        term_rank = Case(
            When(in_city, then=Value(3)),
            When(in_summary, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
        rank = term_rank if rank is None else rank + term_rank
    for term in left_out:
        match &= ~_fallback_term_match(model, term)[2]
    return match, rank if rank is not None else Value(1, output_field=IntegerField())


class _OnRow(Expression):
    """SQL about each partnership row: `{pk}` in `sql` stands for its primary key column,
    `{table}` for its table (its alias in the query)."""

    def __init__(self, sql, params, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params, self.pk = sql, list(params), F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, expressions):
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        assert not pk_params  # a column: the parameters stay in their order
        table = pk_sql.rsplit(".", 1)[0]
        return f"({self.sql.replace('{pk}', pk_sql).replace('{table}', table)})", self.params


def _fts_phrase(term):
    """SQL and parameters: the FTS5 query finding `term` (of two characters or more) as a
    substring."""
    if len(term) >= TRIGRAM:
        return "%s", ['"' + term.replace('"', '""') + '"']
    # Two characters: any trigram that begins with them (every text ends with a line break, so
    # each two characters of it begin one). None: the empty phrase, which matches nothing.
    folded = term.lower()
    return (
        "(SELECT '(' || coalesce(group_concat("  # noqa: S608
        """'"' || replace(term, '"', '""') || '"', ' OR '), '""') || ')' """
        f"FROM {FTS_TERMS} WHERE term >= %s AND term < %s)"
    ), [folded, folded + "\U0010ffff"]


def _fts_join(pieces, operator):
    """SQL and parameters: the FTS5 queries `pieces` ((sql, params)) joined by `operator`,
    each in parentheses."""
    sql = f" || ' {operator} ' || ".join(f"'(' || {piece} || ')'" for piece, _ in pieces)
    return sql, [param for _, params in pieces for param in params]


def _fts_finds(query):
    sql, params = query
    return _OnRow(
        f"{{pk}} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {sql})",  # noqa: S608
        params,
        BooleanField(),
    )


def _like(term):
    """A LIKE pattern: `term` anywhere (as Django's icontains on SQLite)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _row_like(columns, term):
    """SQL and parameters: whether the index row's `columns` hold a one-character `term`."""
    text = " || ".join(f"f.{name}" for name in columns)
    return f"{text} LIKE %s ESCAPE '\\'", [_like(term)]


def _on_index_row(sql, params, output_field):
    """`sql` read from the partnership's index row (alias f)."""
    return _OnRow(
        f"SELECT {sql} FROM {FTS_TABLE} f WHERE f.rowid = {{pk}}",  # noqa: S608
        params,
        output_field,
    )


def _fts_match(model, text):
    """`_fallback_match` through the SQLite index: the same words, found the same way (as
    substrings, anywhere; ranked city name > summary > the rest), read from one index row per
    partnership instead of the partnership's, its cities' and its activities' rows.

    Terms of two characters or more are looked up in the index: all in one FTS5 query (with
    the left-out ones after NOT), and for the ranking, each in the city names and in the
    summary alone: the rows ranked have matched already, and repeating the whole query in
    each ranking lookup cost up to 15 times more where the words are common ("school
    exchange" at world scale: 22 ms a lookup instead of 1.5). A one-character term is read in
    each candidate's index row (LIKE).
    """
    wanted, left_out = fallback_terms(text)
    indexed = [_fts_phrase(term) for term in wanted if len(term) >= 2]
    indexed_out = [_fts_phrase(term) for term in left_out if len(term) >= 2]
    match, rank, query = Q(), None, None
    if indexed:
        query = _fts_join(indexed, "AND")
        if indexed_out:
            query = _fts_join([query, _fts_join(indexed_out, "OR")], "NOT")
        match &= Q(_fts_finds(query))
    elif indexed_out:  # FTS5 cannot leave out alone
        match &= ~Q(_fts_finds(_fts_join(indexed_out, "OR")))
    for terms, wanted_terms in ((wanted, True), (left_out, False)):
        for term in terms:
            if len(term) < 2:
                one = Q(_on_index_row(*_row_like(FTS_COLUMNS, term), BooleanField()))
                match &= one if wanted_terms else ~one
    for term in wanted:
        if len(term) >= 2:
            phrase = _fts_phrase(term)
            where = []
            for column_name in ("cities", "summary"):
                in_column = (f"'{{{column_name}}} : (' || {phrase[0]} || ')'", phrase[1])
                where.append(_fts_finds(in_column))
            term_rank = Case(
                When(where[0], then=Value(3)),
                When(where[1], then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        else:
            in_city, in_city_params = _row_like(["cities"], term)
            in_summary, in_summary_params = _row_like(["summary"], term)
            term_rank = _on_index_row(
                f"CASE WHEN {in_city} THEN 3 WHEN {in_summary} THEN 2 ELSE 1 END",
                in_city_params + in_summary_params,
                IntegerField(),
            )
        rank = term_rank if rank is None else rank + term_rank
    return match, rank if rank is not None else Value(1, output_field=IntegerField())


def search(queryset, text):
    """The partnerships of `queryset` that match `text`, best first (annotated `search_rank`).

    Ties keep the list's order (city names), so pages are stable. Each row appears once.
    """
    text = text.strip()
    if is_full_text(queryset.db):
        query = full_text_query(text)
        found = Q(search_document=query)
        if CJK.search(text):
            found |= _cjk_match(queryset.model, text)
        queryset = queryset.filter(found).annotate(
            **{RANK: SearchRank(F("search_document"), query)}
        )
    else:
        indexed = connections[queryset.db].vendor == "sqlite"
        match, rank = (_fts_match if indexed else _fallback_match)(queryset.model, text)
        queryset = queryset.filter(match).annotate(**{RANK: rank})
    return queryset.order_by(
        f"-{RANK}", translated("city_a__name"), translated("city_b__name"), "pk"
    )


def _cjk_match(model, text):
    """Chinese words inside longer runs of Han characters, which PostgreSQL's parser keeps as
    one token: a substring match on the Chinese city names and narrative."""
    match = Q()
    for name in ["city_a__name", "city_b__name", *model.NARRATIVE_FIELDS]:
        match |= Q(**{f"{column(name, 'zh-hans')}__icontains": text})
    return match


@functools.cache
def _headline_text_sql(model, language, using):
    """SQL and parameters: the text ts_headline reads in each `model` row (alias `{table}`),
    the narrative as the page shows it in `language`, then the activities. Compiled once per
    language: building and compiling its expressions cost each search some 2.5 ms of CPU."""
    parts = []
    for name in model.NARRATIVE_FIELDS:
        parts += [_capped(translated(name, language)), Value("\n")]
    parts.append(_capped(activities_text(model)))
    query = model._base_manager.using(using).all().query
    compiler = query.get_compiler(using)
    sql, params = compiler.compile(_concat(*parts).resolve_expression(query))
    table = compiler.quote_name_unless_alias(model._meta.db_table)
    return sql.replace(f"{table}.", "{table}."), params


def with_snippet_sources(queryset, text):
    """Add what `snippet()` needs to the same query (the page's rows only, once sliced)."""
    text = text.strip()
    model = queryset.model
    if is_full_text(queryset.db):
        return queryset.annotate(
            **{
                HEADLINE: SearchHeadline(
                    _OnRow(*_headline_text_sql(model, get_language(), queryset.db), TextField()),
                    full_text_query(text),
                    config=CONFIG,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            }
        )
    activity = _related(model, "activities")
    in_title = Q()
    for term in fallback_terms(text)[0]:
        in_title |= in_any_language("title", "icontains", term)
    first_title = (
        activity._base_manager.filter(in_title, partnership=OuterRef("pk"))
        .order_by("pk")
        .annotate(shown_title=translated("title"))
    )
    return queryset.annotate(
        **{
            FIRST_ACTIVITY: Subquery(
                first_title.values("shown_title")[:1], output_field=TextField()
            )
        }
    )


def snippet_fields(model, using="default"):
    """The fields of `model` snippet() reads from each row: the narrative, unless the database
    writes the headline (PostgreSQL). A list that reads only some columns must read these."""
    return [] if is_full_text(using) else list(model.NARRATIVE_FIELDS)


def _plain(text):
    """Markdown source read as plain text (links keep their words, emphasis marks go)."""
    return _MD_NOISE.sub("", _MD_LINK.sub(r"\1", text))


def marked_html(text):
    """Escape `text`; what lies between the markers becomes <mark>…</mark>, stray markers go."""
    html, position = [], 0
    for match in _MARKED.finditer(text):
        html.append(escape(_MARKERS.sub("", text[position : match.start()])))
        inner = _MARKERS.sub("", match.group(1))
        if inner:
            html.append(f"<mark>{escape(inner)}</mark>")
        position = match.end()
    html.append(escape(_MARKERS.sub("", text[position:])))
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above is escaped


def _cut_around(text, text_lower, needles):
    """`text` shortened to the words around the first of `needles`; each of them is marked
    where it occurs in what is kept."""
    start, needle = min((text_lower.find(n), n) for n in needles if n in text_lower)
    end = start + len(needle)
    left = max(0, start - SNIPPET_BEFORE)
    right = min(len(text), end + SNIPPET_AFTER)
    if left > 0:  # start and end on word boundaries
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    pattern = re.compile("|".join(map(re.escape, sorted(needles, key=len, reverse=True))))
    kept, kept_lower = text[left:right], text_lower[left:right]
    marked, position = [], 0
    for match in pattern.finditer(kept_lower):
        marked += [kept[position : match.start()], MARK_START, kept[match.start() : match.end()]]
        marked.append(MARK_STOP)
        position = match.end()
    marked.append(kept[position:])
    return ("… " if left > 0 else "") + "".join(marked) + (" …" if right < len(text) else "")


def _fallback_snippet_text(partnership, text):
    needles = [term.lower() for term in fallback_terms(text)[0]]
    texts = [getattr(partnership, name) for name in partnership.NARRATIVE_FIELDS]
    texts.append(getattr(partnership, FIRST_ACTIVITY, None) or "")
    for candidate in texts:
        candidate = " ".join(_plain(_MARKERS.sub("", candidate)).split())
        lowered = candidate.lower()
        if len(lowered) == len(candidate) and any(needle in lowered for needle in needles):
            return _cut_around(candidate, lowered, needles)
    summary = " ".join(_plain(partnership.summary).split())
    if len(summary) > SNIPPET_BEFORE + SNIPPET_AFTER:
        cut = summary.rfind(" ", 0, SNIPPET_BEFORE + SNIPPET_AFTER)
        summary = summary[: cut if cut > 0 else SNIPPET_BEFORE + SNIPPET_AFTER] + " …"
    return summary


def snippet(partnership, text):
    """Safe HTML: the words around the match in `partnership`'s text, the match in <mark>.

    `partnership` comes from a queryset passed through `with_snippet_sources(…, text)`.
    """
    headline = getattr(partnership, HEADLINE, None)
    if headline is not None:
        raw = " ".join(_plain(headline).split())
    else:
        raw = _fallback_snippet_text(partnership, text)
    return marked_html(raw)
