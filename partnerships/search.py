"""Free-text search over partnerships: PostgreSQL full-text search, a simple fallback elsewhere.

PostgreSQL: every partnership stores a weighted search document (`Partnership.search_document`,
a tsvector with a GIN index): the two city names weigh most (A), then the summary (B), the other
narrative sections (C) and its activities' titles and descriptions (D). A query is read like a
web search engine's (`websearch_to_tsquery`: words, "a quoted phrase", -leave-out, or), stemmed
(English: "exchanges" finds "exchange"); plain words also match the beginning of a city name
("dres" finds Dresden). Results are ranked (`ts_rank`) and come with a highlighted
snippet (`ts_headline`).

The document is a copy, kept fresh without signals: `refresh_documents()` (the queryset's
`refresh_search_document()`) runs after Partnership.save(), Activity.save() and
Activity.delete(), after the admin saved a partnership's inlines or deleted activities in bulk,
and in `manage.py update_search_index` for whatever bypasses them (loaddata, bulk_create,
queryset updates, renamed cities); `load_demo` runs the command itself.

Other databases (SQLite for the demo and tests): a case-insensitive substring search over the
city names, summary, narrative sections and activity titles, ranked city name > summary > the
rest; the snippet is cut around the first match in Python.

Snippets are text written by staff: they are always escaped, and only the <mark> tags put in
here around matches are markup.
"""

import re

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import (
    Case,
    Exists,
    F,
    Index,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

CONFIG = "english"  # stemming and stop words of the site's language
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


def activities_text(model):
    """All of a partnership's activity titles and descriptions, as one text (a subquery)."""
    from django.contrib.postgres.aggregates import StringAgg

    activity = _related(model, "activities")
    return Subquery(
        activity._base_manager.filter(partnership=OuterRef("pk"))
        .order_by()
        .values("partnership")
        .annotate(
            text=StringAgg(
                Concat("title", Value("\n"), "description", output_field=TextField()),
                delimiter="\n",
                order_by="id",  # the same document for the same content
            )
        )
        .values("text"),
        output_field=TextField(),
    )


def document_expression(model):
    """The weighted tsvector of each `model` (Partnership) row, for an UPDATE."""
    city = _related(model, "city_a")

    def city_name(side):
        return Subquery(city._base_manager.filter(pk=OuterRef(side)).values("name")[:1])

    sections = [name for name in model.NARRATIVE_FIELDS if name != "summary"]
    return (
        SearchVector(city_name("city_a"), city_name("city_b"), weight="A", config=CONFIG)
        + SearchVector(_capped("summary"), weight="B", config=CONFIG)
        + SearchVector(*map(_capped, sections), weight="C", config=CONFIG)
        + SearchVector(_capped(activities_text(model)), weight="D", config=CONFIG)
    )


def refresh_documents(queryset):
    """Recompute the search document of every partnership in `queryset`; returns how many.

    One UPDATE, whatever the number of rows. Nothing to do (and no query) on other databases.
    """
    if not is_full_text(queryset.db):
        return 0
    return (
        queryset.model._base_manager.using(queryset.db)
        .filter(pk__in=queryset.order_by().values("pk"))
        .update(search_document=document_expression(queryset.model))
    )


# --- Searching ------------------------------------------------------------------------------


def full_text_query(text):
    """The visitor's words as a tsquery, read like a web search engine's.

    Plain words (no quotes, no minus) also match the beginning of a city name ("dres" finds
    Dresden): a prefix query restricted to the city names' weight, A.
    """
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    if _PLAIN_WORDS.fullmatch(text.strip()):
        city_prefixes = " & ".join(f"{word}:*A" for word in text.split())
        query |= SearchQuery(city_prefixes, search_type="raw", config="simple")
    return query


def _fallback_match(model, text):
    """Which rows match `text` on a database without full-text search, and how well."""
    activity = _related(model, "activities")
    in_city = Q(city_a__name__icontains=text) | Q(city_b__name__icontains=text)
    in_summary = Q(summary__icontains=text)
    in_sections = Q()
    for name in model.NARRATIVE_FIELDS:
        in_sections |= Q(**{f"{name}__icontains": text})
    in_activities = Exists(
        activity._base_manager.filter(partnership=OuterRef("pk"), title__icontains=text)
    )
    rank = Case(
        When(in_city, then=Value(3)),
        When(in_summary, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return in_city | in_sections | Q(in_activities), rank


def search(queryset, text):
    """The partnerships of `queryset` that match `text`, best first (annotated `search_rank`).

    Ties keep the list's order (city names), so pages are stable. Each row appears once.
    """
    text = text.strip()
    if is_full_text(queryset.db):
        query = full_text_query(text)
        queryset = queryset.filter(search_document=query).annotate(
            **{RANK: SearchRank(F("search_document"), query)}
        )
    else:
        match, rank = _fallback_match(queryset.model, text)
        queryset = queryset.filter(match).annotate(**{RANK: rank})
    return queryset.order_by(f"-{RANK}", "city_a__name", "city_b__name", "pk")


def with_snippet_sources(queryset, text):
    """Add what `snippet()` needs to the same query (the page's rows only, once sliced)."""
    text = text.strip()
    model = queryset.model
    if is_full_text(queryset.db):
        parts = []
        for name in model.NARRATIVE_FIELDS:
            parts += [_capped(name), Value("\n")]
        parts.append(_capped(activities_text(model)))
        body = Concat(*parts, output_field=TextField())
        return queryset.annotate(
            **{
                HEADLINE: SearchHeadline(
                    body,
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
    first_title = activity._base_manager.filter(
        partnership=OuterRef("pk"), title__icontains=text
    ).order_by("pk")
    return queryset.annotate(**{FIRST_ACTIVITY: Subquery(first_title.values("title")[:1])})


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


def _cut_around(text, text_lower, needle):
    """`text` shortened to the words around the first `needle`, which is marked."""
    start = text_lower.find(needle)
    end = start + len(needle)
    left = max(0, start - SNIPPET_BEFORE)
    right = min(len(text), end + SNIPPET_AFTER)
    if left > 0:  # start and end on word boundaries
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return (
        ("… " if left > 0 else "")
        + text[left:start]
        + MARK_START
        + text[start:end]
        + MARK_STOP
        + text[end:right]
        + (" …" if right < len(text) else "")
    )


def _fallback_snippet_text(partnership, text):
    needle = text.strip().lower()
    texts = [getattr(partnership, name) for name in partnership.NARRATIVE_FIELDS]
    texts.append(getattr(partnership, FIRST_ACTIVITY, None) or "")
    for candidate in texts:
        candidate = " ".join(_plain(_MARKERS.sub("", candidate)).split())
        lowered = candidate.lower()
        if needle and needle in lowered and len(lowered) == len(candidate):
            return _cut_around(candidate, lowered, needle)
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
