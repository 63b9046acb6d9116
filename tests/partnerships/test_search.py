"""Free-text search: the search page and the partnership list's `q` filter.

PostgreSQL runs full-text search over a stored, weighted document (partnerships/search.py);
SQLite a substring search over an FTS5 index (trigram) kept beside the partnerships. Tests
marked `postgresql_only` run where CI runs the suite on PostgreSQL, `sqlite_only` where it runs
on SQLite; the others run on both databases.
"""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import City
from partnerships import search
from partnerships.models import Activity, Partnership
from tests.partnerships.test_admin import admin_url, partnership_form_data
from tests.partnerships.test_history import change, posted, versions_of
from tests.partnerships.test_history import url as history_url

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")

# Queries per page, whatever the number of matches (few or a hundred, rich in activities).
SEARCH_QUERIES = 2  # count, the page with its ranks and snippets
LIST_QUERIES = 4  # focus-area choices, count, the page, the page's focus areas


def found(client, text, url_name="search"):
    """The titles the page lists for `text`, in their order."""
    response = client.get(reverse(url_name), {"q": text})
    assert response.status_code == 200
    key = "results" if url_name == "search" else "partnerships"
    return [partnership.title for partnership in response.context[key]]


@pytest.fixture
def pair(make_city, make_partnership):
    """make a published partnership between two named cities."""

    def make(a, b, **kwargs):
        return make_partnership(
            city_a=make_city(name=a), city_b=make_city(name=b, country="CN"), **kwargs
        )

    return make


# --- What is found, and in which order ------------------------------------------------------


def test_finds_by_city_name_summary_section_and_activity_title(client, pair, make_activity):
    pair("Dresden", "Hangzhou", summary="The pavilion of the Hygiene Exhibition.")
    pair("Lyon", "Leipzig", funding="Paid from the Rhône budget.")
    make_activity(pair("Berlin", "Beijing"), title="Judges seminar")
    assert found(client, "Dresden") == ["Dresden – Hangzhou"]
    assert found(client, "hangzhou") == ["Dresden – Hangzhou"]
    assert found(client, "hygiene") == ["Dresden – Hangzhou"]
    assert found(client, "budget") == ["Lyon – Leipzig"]
    assert found(client, "judges") == ["Berlin – Beijing"]
    assert found(client, "nowhere") == []


def test_part_of_a_city_name_is_enough(client, pair):
    pair("Dresden", "Hangzhou")
    pair("Berlin", "Beijing")
    assert found(client, "dres") == ["Dresden – Hangzhou"]
    assert found(client, "dres", "partnership_list") == ["Dresden – Hangzhou"]


def test_city_name_ranks_above_summary_above_activity_title(client, pair, make_activity):
    make_activity(pair("Aachen", "Bonn"), title="Trip to Riverton")
    pair("Celle", "Dortmund", summary="Founded by a mayor from Riverton.")
    pair("Riverton", "Essen")
    expected = ["Riverton – Essen", "Celle – Dortmund", "Aachen – Bonn"]
    assert found(client, "riverton") == expected
    assert found(client, "riverton", "partnership_list") == expected


def test_every_word_must_be_found_each_anywhere(client, pair, make_activity, make_city):
    pair("Hamburg", "Shanghai")
    pair("Hamburg", "Chicago")
    pair("Rotterdam", "Shanghai", summary="A port partnership.")
    pair("Osaka", "Dresden", summary="Hamburg sent a choir; the port of Shanghai too.")
    make_activity(pair("Leeds", "Wuxi"), title="Port of Hamburg")
    assert found(client, "hamburg shanghai") == ["Hamburg – Shanghai", "Osaka – Dresden"]
    assert found(client, "  Hamburg   SHANGHAI ", "partnership_list") == [
        "Hamburg – Shanghai",
        "Osaka – Dresden",
    ]
    # A word in a city name and one in the summary, or in an activity's title.
    assert found(client, "shanghai port") == ["Rotterdam – Shanghai", "Osaka – Dresden"]
    assert found(client, "leeds hamburg") == ["Leeds – Wuxi"]
    assert found(client, "hamburg atlantis") == []


def test_every_word_may_be_in_another_language(client, pair):
    partnership = pair("Hamburg", "Shanghai")
    partnership.city_b.name_zh_hans = "上海"
    partnership.city_b.name_de = "Schanghai"
    partnership.city_b.save()
    # A renamed city reaches PostgreSQL's search documents with the nightly refresh (search.py).
    partnership.refresh_search_document()
    pair("Hamburg", "Chicago")
    assert found(client, "hamburg 上海") == ["Hamburg – Shanghai"]
    assert found(client, "schanghai hamburg") == ["Hamburg – Shanghai"]


@sqlite_only
def test_the_fallback_reads_phrases_and_left_out_words(client, pair):
    pair("Hamburg", "Shanghai", summary="Flood protection on the Elbe.")
    pair("Hamburg", "Chicago", summary="Protection from a flood of visitors.")
    assert found(client, "hamburg -elbe") == ["Hamburg – Chicago"]
    assert found(client, '"flood protection"') == ["Hamburg – Shanghai"]
    assert found(client, 'hamburg -"flood protection"') == ["Hamburg – Chicago"]
    assert search.fallback_terms('a "b  c" -d -"e f" "g') == (["a", "b c", "g"], ["d", "e f"])


@sqlite_only
def test_the_fallback_snippet_marks_every_word(client, pair):
    filler = "Long story about other things. " * 10
    pair(
        "Hamburg",
        "Shanghai",
        summary=f"{filler}The Elbe and the Huangpu: a river festival on the ELBE. {filler}",
    )
    response = client.get(reverse("search"), {"q": "huangpu elbe"})
    snippet = str(response.context["results"][0].snippet)
    assert "The <mark>Elbe</mark> and the <mark>Huangpu</mark>: a river festival on the " in snippet
    assert "<mark>ELBE</mark>." in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")


@postgresql_only
def test_city_name_ranks_above_activity_description(client, pair, make_activity):
    make_activity(pair("Aachen", "Bonn"), description="A choir travelled to Riverton.")
    pair("Riverton", "Essen")
    assert found(client, "riverton") == ["Riverton – Essen", "Aachen – Bonn"]


def test_a_chosen_sort_replaces_the_ranking_in_the_list(client, pair):
    pair("Riverton", "Essen")
    pair("Aachen", "Bonn", summary="Riverton sends a choir.")
    assert found(client, "riverton", "partnership_list")[0] == "Riverton – Essen"
    response = client.get(reverse("partnership_list"), {"q": "riverton", "sort": "name"})
    assert [p.title for p in response.context["partnerships"]] == [
        "Aachen – Bonn",
        "Riverton – Essen",
    ]


@postgresql_only
def test_web_search_syntax(client, pair):
    pair("Dresden", "Hangzhou", summary="Flood protection on the Elbe.")
    pair("Rotterdam", "Shanghai", summary="Flood protection by the sea; protection from floods.")
    pair("Lyon", "Leipzig", summary="Protection of the old town, and a flood of visitors.")
    assert sorted(found(client, "flood -elbe")) == ["Lyon – Leipzig", "Rotterdam – Shanghai"]
    assert sorted(found(client, '"flood protection"')) == [
        "Dresden – Hangzhou",
        "Rotterdam – Shanghai",
    ]
    assert sorted(found(client, "elbe or sea")) == ["Dresden – Hangzhou", "Rotterdam – Shanghai"]


@postgresql_only
def test_words_are_found_in_any_form(client, pair, make_activity):
    make_activity(pair("Dresden", "Hangzhou"), title="Student exchange")
    make_activity(pair("Berlin", "Beijing"), description="Judges exchanged their experience.")
    assert sorted(found(client, "exchanges")) == ["Berlin – Beijing", "Dresden – Hangzhou"]


@pytest.mark.parametrize(
    "text", ["'&|!:*()", '"', "-", "or", "the", "a:*B", "<script>", "Zürich", "\\", "%_"]
)
def test_odd_queries_answer_normally(client, pair, text):
    pair("Dresden", "Hangzhou")
    assert client.get(reverse("search"), {"q": text}).status_code == 200
    assert client.get(reverse("partnership_list"), {"q": text}).status_code == 200


# --- The document follows every change ------------------------------------------------------


def test_document_follows_activity_edits(client, pair, make_activity):
    partnership = pair("Dresden", "Hangzhou")
    activity = make_activity(partnership, title="Choir festival")
    assert found(client, "choir") == ["Dresden – Hangzhou"]
    activity.title = "Porcelain exhibition"
    activity.save()
    assert found(client, "porcelain") == ["Dresden – Hangzhou"]
    assert found(client, "choir") == []
    activity.delete()
    assert found(client, "porcelain") == []


def test_document_follows_an_activity_to_another_partnership(client, pair, make_activity):
    activity = make_activity(pair("Dresden", "Hangzhou"), title="Choir festival")
    activity = Activity.objects.get(pk=activity.pk)
    activity.partnership = pair("Berlin", "Beijing")
    activity.save()
    assert found(client, "choir") == ["Berlin – Beijing"]


def test_document_follows_partnership_edits(client, pair, make_city):
    partnership = pair("Dresden", "Hangzhou", summary="Choir festival.")
    partnership.summary = "Porcelain exhibition."
    partnership.city_b = make_city(name="Ostrava", country="CZ")
    partnership.save()
    assert found(client, "porcelain") == ["Dresden – Ostrava"]
    assert found(client, "ostrava") == ["Dresden – Ostrava"]
    assert found(client, "choir") == []
    assert found(client, "hangzhou") == []


def test_document_follows_the_admin_form_with_its_inlines(admin_client, client, make_city):
    dresden, hangzhou = make_city(name="Dresden"), make_city(name="Hangzhou", country="CN")
    activity = {
        "title": "Choir exchange",
        "kind": Activity.Kind.EXCHANGE,
        "start_date": "2010-01-01",
    }
    response = admin_client.post(
        admin_url(Partnership, "add"),
        partnership_form_data(dresden, hangzhou, inlines={"activities": [activity]}),
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get()
    partnership.publish(None)
    assert found(client, "choir") == ["Dresden – Hangzhou"]
    stored = partnership.activities.get()
    renamed = {**activity, "id": stored.pk, "partnership": partnership.pk, "title": "Film week"}
    response = admin_client.post(
        admin_url(Partnership, "change", partnership.pk),
        partnership_form_data(
            dresden, hangzhou, slug=partnership.slug, inlines={"activities": [renamed]}
        ),
    )
    assert response.status_code == 302
    assert found(client, "film") == ["Dresden – Hangzhou"]
    assert found(client, "choir") == []


def test_document_follows_a_bulk_delete_of_activities_in_the_admin(
    admin_client, client, pair, make_activity
):
    activity = make_activity(pair("Dresden", "Hangzhou"), title="Choir exchange")
    response = admin_client.post(
        admin_url(Activity, "changelist"),
        {"action": "delete_selected", "_selected_action": [activity.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Activity.objects.exists()
    assert found(client, "choir") == []


def test_document_follows_a_revert_in_the_admin(admin_client, client, pair, make_activity):
    partnership = pair("Dresden", "Hangzhou", summary="Two cities on two rivers.")
    make_activity(partnership, title="Choir exchange")
    change(admin_client, partnership, summary="Rewritten.", **{"activities-0-DELETE": "on"})
    assert found(client, "choir") == []
    assert found(client, "rivers") == []
    revision_url = history_url("revision", partnership.pk, versions_of(partnership)[-1].pk)
    admin_client.post(revision_url, posted(admin_client.get(revision_url)))
    assert found(client, "choir") == ["Dresden – Hangzhou"]
    assert found(client, "rivers") == ["Dresden – Hangzhou"]
    assert found(client, "rewritten") == []


def test_bulk_imports_and_generated_activities_are_searchable(client):
    generic = Path(__file__).parent / "data" / "twinnings_generic.csv"
    call_command("import_twinnings", str(generic), stdout=StringIO())
    assert found(client, "coventry") == ["Dresden – Coventry"]
    call_command("generate_activities", "--per-partnership", "1", stdout=StringIO())
    activity = Activity.objects.select_related("partnership__city_a", "partnership__city_b").get(
        partnership__city_b__name="Coventry"
    )
    word = max(activity.title.split(), key=len)
    assert "Dresden – Coventry" in found(client, word)


def test_update_search_index_catches_up_with_bulk_changes(client, pair, make_city):
    partnership = pair("Dresden", "Hangzhou")
    City.objects.filter(pk=partnership.city_b_id).update(name="Ostrava")  # no model code runs
    Partnership.objects.filter(pk=partnership.pk).update(summary="Porcelain exhibition.")
    assert found(client, "ostrava") == []
    out = StringIO()
    call_command("update_search_index", stdout=out)
    assert "Updated the search document of 1 partnership" in out.getvalue()
    assert found(client, "ostrava") == ["Dresden – Ostrava"]
    assert found(client, "porcelain") == ["Dresden – Ostrava"]


def test_loaddata_and_load_demo_leave_the_search_right(client, tmp_path):
    call_command("load_demo", stdout=StringIO())
    assert found(client, "judges") == ["Berlin – Beijing"]
    assert found(client, "hangzhou") == ["Dresden – Hangzhou"]
    # A dump and a reload (loaddata saves raw: no model code) plus the command.
    dump = tmp_path / "partnerships.json"
    call_command("dumpdata", "partnerships.partnership", output=str(dump), verbosity=0)
    assert "search_document" not in dump.read_text()
    call_command("loaddata", str(dump), verbosity=0)
    call_command("update_search_index", verbosity=0)
    assert found(client, "judges") == ["Berlin – Beijing"]


def test_document_is_neither_serialised_nor_edited(pair):
    partnership = pair("Dresden", "Hangzhou")
    assert "search_document" not in serializers.serialize("json", [partnership])
    assert not Partnership._meta.get_field("search_document").editable


def test_a_new_activity_is_found_at_once_and_a_deleted_partnership_is_gone(
    client, pair, make_activity
):
    partnership = pair("Dresden", "Hangzhou", summary="Porcelain exhibition.")
    pair("Berlin", "Beijing")
    make_activity(partnership, title="Lantern festival")
    assert found(client, "lantern") == ["Dresden – Hangzhou"]
    partnership.summary = "Flood protection."
    partnership.save()
    assert found(client, "porcelain") == []
    assert found(client, "flood") == ["Dresden – Hangzhou"]
    partnership.delete()
    for text in ("lantern", "flood", "dresden", "dres", "ha"):
        assert found(client, text) == []
    assert found(client, "beijing") == ["Berlin – Beijing"]


@sqlite_only
def test_short_words_and_chinese_without_spaces(client, pair):
    berlin = pair("Berlin", "Beijing", summary="Judges meet in Beijing.")
    berlin.city_a.name_zh_hans = "柏林市"
    berlin.city_a.save()
    berlin.city_b.name_zh_hans = "北京"
    berlin.city_b.save()
    berlin.refresh_search_document()  # a renamed city: the nightly refresh (search.py)
    pair("Xi'an", "Dortmund", summary="Dortmund and Xi'an: Ü-Bahn and 兵马俑.")
    assert found(client, "柏林") == ["Berlin – Beijing"]  # two characters inside a longer run
    assert found(client, "北京") == ["Berlin – Beijing"]
    assert found(client, "京") == ["Berlin – Beijing"]  # one character
    assert found(client, "马") == ["Xi'an – Dortmund"]
    assert found(client, "XI") == ["Xi'an – Dortmund"]  # case-insensitive, in a city name
    assert found(client, "ü-bahn") == ["Xi'an – Dortmund"]
    assert found(client, "be") == ["Berlin – Beijing"]
    assert found(client, "be -北京") == []
    assert found(client, "be -京") == []
    assert found(client, "-北京") == ["Xi'an – Dortmund"]
    assert found(client, "-京") == ["Xi'an – Dortmund"]
    assert found(client, "j") == ["Berlin – Beijing"]
    assert found(client, "%") == []
    assert found(client, "_") == []


@sqlite_only
def test_short_words_rank_as_long_ones(client, pair, make_activity):
    make_activity(pair("Aachen", "Bonn"), title="Trip to Qi county")
    pair("Celle", "Dortmund", summary="Founded in Qi.")
    pair("Qingdao", "Essen")
    assert found(client, "qi") == ["Qingdao – Essen", "Celle – Dortmund", "Aachen – Bonn"]
    assert found(client, "q") == ["Qingdao – Essen", "Celle – Dortmund", "Aachen – Bonn"]


@sqlite_only
def test_on_sqlite_the_index_holds_one_row_per_partnership(pair, make_activity):
    partnership = pair("Dresden", "Hangzhou", summary="Porcelain exhibition.", state="draft")
    make_activity(partnership, title="Lantern festival")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid, cities, summary, body FROM partnerships_search")
        rows = cursor.fetchall()
    assert len(rows) == 1
    rowid, cities, summary, body = rows[0]
    assert rowid == partnership.pk
    assert "Dresden\n" in cities and "Hangzhou\n" in cities
    assert summary.startswith("Porcelain exhibition.\n")
    assert "Lantern festival\n" in body
    partnership.delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partnerships_search")
        assert cursor.fetchone() == (0,)


def test_refreshing_is_one_statement_for_any_number_of_partnerships(
    pair, django_assert_num_queries
):
    for i in range(5):
        pair(f"Aachen {i}", f"Bonn {i}")
    with django_assert_num_queries(1):
        assert Partnership.objects.refresh_search_document() == 5
    with django_assert_num_queries(1):
        assert Partnership.objects.filter(city_a__name="Aachen 0").refresh_search_document() == 1


# --- Never unpublished ----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "in_review"])
def test_unpublished_partnerships_are_never_found(client, pair, make_activity, state):
    shown = pair("Dresden", "Hangzhou", summary="Secret handshake, shown.")
    hidden = pair("Secretville", "Hidden", state=state, summary="Secret plans for 2030.")
    make_activity(hidden, title="Secret drill")
    for url_name in ("search", "partnership_list"):
        for text in ("secretville", "hidden", "plans", "drill"):
            response = client.get(reverse(url_name), {"q": text})
            for unpublished_text in ("Secretville", "Secret plans", "Secret drill"):
                assertNotContains(response, unpublished_text)
            assert found(client, text, url_name) == []
        assert found(client, "secret", url_name) == [shown.title]
    hidden.publish(None)
    assert sorted(found(client, "secret")) == [shown.title, hidden.title]
    hidden.unpublish(None)
    assert found(client, "secret") == [shown.title]


# --- Snippets -------------------------------------------------------------------------------


def test_snippet_marks_the_match(client, pair):
    pair(
        "Dresden",
        "Hangzhou",
        summary="Refurbishing the pavilion of the 1911 **Hygiene** Exhibition in Hangzhou.",
    )
    response = client.get(reverse("search"), {"q": "hygiene"})
    assertContains(response, "<mark>Hygiene</mark>")
    assertNotContains(response, "**")


def test_snippet_cuts_long_text_around_the_match(client, pair):
    filler = "Long story about other things. " * 40
    pair("Dresden", "Hangzhou", summary=f"{filler} The porcelain fair. {filler}")
    response = client.get(reverse("search"), {"q": "porcelain"})
    snippet = str(response.context["results"][0].snippet)
    assert "<mark>porcelain</mark>" in snippet.lower()
    assert len(snippet) < 500


def test_snippet_reads_the_visitors_language_and_the_text_as_it_is_now(client, pair):
    partnership = pair(
        "Dresden", "Hangzhou", summary="The porcelain fair.", summary_de="Die Porzellanmesse."
    )
    with translation.override("de"):
        url = reverse("search")

    def snippet():
        response = client.get(url, {"q": "porcelain"})
        return str(response.context["results"][0].snippet)

    assert "Porzellanmesse" in snippet()
    partnership.summary_de = "Die Porzellanmesse, jetzt mit Teeschalen."
    partnership.save()
    assert "Teeschalen" in snippet()
    partnership.summary_de = ""  # no translation: the original
    partnership.save()
    assert "porcelain" in snippet().lower()


def test_snippet_escapes_hostile_staff_text(client, pair, make_activity):
    hostile = "<script>alert('x')</script> <img src=x onerror=alert(1)> Hygiene &amp; <b>care</b>"
    partnership = pair("Dresden", "Hangzhou", summary=hostile)
    make_activity(partnership, title="<script>alert(2)</script> Hygiene week")
    response = client.get(reverse("search"), {"q": "hygiene"})
    html = response.content.decode()
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>care" not in html
    assert "onerror=alert(1)&gt;" in html  # shown as text, escaped
    assert "&amp;amp;" in html  # an entity typed by staff stays text
    assert "<mark>Hygiene</mark>" in html
    snippet = str(response.context["results"][0].snippet)
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_query_is_escaped_on_the_page(client, pair):
    pair("Dresden", "Hangzhou")
    response = client.get(reverse("search"), {"q": "<script>alert(1)</script>"})
    assertNotContains(response, "<script>alert(1)")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


def test_marked_html_only_ever_makes_balanced_mark_tags():
    start, stop = search.MARK_START, search.MARK_STOP
    assert search.marked_html(f"a {start}<b>{stop} c") == "a <mark>&lt;b&gt;</mark> c"
    assert search.marked_html(f"{start}open <i> never closed") == "open &lt;i&gt; never closed"
    assert search.marked_html(f"{stop}{start}{start}x{stop}{stop}") == "<mark>x</mark>"


# --- The page -------------------------------------------------------------------------------


def test_search_page_without_a_query_invites_one(client, db):
    response = client.get(reverse("search"))
    assert response.status_code == 200
    assertContains(response, "Type the name of a city")
    assertNotContains(response, 'class="error"')
    assertContains(response, '<meta name="robots" content="noindex">')


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_query_gets_a_message(client, db, text):
    response = client.get(reverse("search"), {"q": text})
    assert response.status_code == 200
    assertContains(response, "Type a word to search for")
    assertContains(response, 'aria-invalid="true"')


def test_over_long_query_gets_a_message(client, pair):
    pair("Dresden", "Hangzhou")
    response = client.get(reverse("search"), {"q": "dresden " * 30})
    assert response.status_code == 200
    assertContains(response, "use at most 200 characters")
    assert not response.context["results"]
    response = client.get(reverse("partnership_list"), {"q": "x" * 201})
    assert response.status_code == 200
    assertContains(response, 'class="error"')


def test_a_query_of_exactly_200_characters_is_searched(client, pair):
    pair("Dresden", "Hangzhou")
    assert found(client, "dresden " + "x" * 192) == []


def test_nul_character_is_a_message_not_an_error(client, db):
    response = client.get(reverse("search"), {"q": "dres\x00den"})
    assert response.status_code == 200
    assertContains(response, 'class="error"')


def test_results_are_paginated_by_20(client, make_city, make_partnership):
    hub = make_city(name="Riverton")
    for _ in range(21):
        make_partnership(city_a=hub)
    first = client.get(reverse("search"), {"q": "riverton"})
    assertContains(first, "21 partnerships found")
    assert len(first.context["results"]) == 20
    assertContains(first, "Page 1 of 2")
    second = client.get(reverse("search"), {"q": "riverton", "page": 2})
    assert len(second.context["results"]) == 1
    assert client.get(reverse("search"), {"q": "riverton", "page": 3}).status_code == 404


def test_every_page_has_a_labelled_search_box_in_the_header(client, pair):
    partnership = pair("Dresden", "Hangzhou")
    for url in (reverse("home"), partnership.get_absolute_url(), "/no-such-page/"):
        response = client.get(url)
        assertContains(
            response,
            '<form class="site-search" role="search" aria-label="Site" method="get" '
            'action="/en/search/">',
            status_code=response.status_code,
        )
        assertContains(
            response, '<label for="site-search-q" class="visually-hidden">', 1, response.status_code
        )
        assertContains(response, 'id="site-search-q"', 1, response.status_code)


# --- Query counts ---------------------------------------------------------------------------


def build(size):
    """`size` published partnerships with "Riverton" in them, the first rich in activities."""
    cities = City.objects.bulk_create(
        City(name=f"Riverton {i}", slug=f"riverton-{i}", country="DE", latitude=50, longitude=10)
        for i in range(size + 1)
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}",
            city_a=cities[0],
            city_b=cities[i],
            state="published",
            established=datetime.date(1990 + i % 30, 4, 1),
            summary=f"Riverton summary {i}.",
        )
        for i in range(1, size + 1)
    )
    Partnership.objects.bulk_create(  # drafts are never counted nor shown
        Partnership(slug=f"d-{i}", city_a=cities[i], city_b=cities[i + 1], summary="Riverton")
        for i in range(1, size, 2)
    )
    Activity.objects.bulk_create(
        Activity(
            partnership=partnerships[0],
            title=f"Riverton activity {i}",
            kind="exchange",
            description="Riverton " * 20,
        )
        for i in range(size * 2)
    )
    Partnership.objects.all().refresh_search_document()  # bulk_create skips model code


@pytest.mark.parametrize("size", [1, 100], ids=["small", "large"])
@pytest.mark.parametrize(
    ("url", "bound"),
    [("/en/search/?q=riverton", SEARCH_QUERIES), ("/en/partnerships/?q=riverton", LIST_QUERIES)],
    ids=["search", "partnership_list"],
)
def test_query_count_does_not_grow(client, django_assert_max_num_queries, size, url, bound):
    build(size)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200
    assertContains(response, f"{size} partnership{'s' if size > 1 else ''} found")


@pytest.mark.parametrize("size", [1, 100], ids=["small", "large"])
@pytest.mark.parametrize(
    "text",
    ["ri", "r", 'riverton -nowhere "summary"', "riverton -x -no"],
    ids=["two", "one", "mixed", "out"],
)
def test_query_count_is_fixed_for_every_kind_of_query(
    client, django_assert_num_queries, size, text
):
    build(size)
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(reverse("search"), {"q": text})
    assertContains(response, f"{size} partnership{'s' if size > 1 else ''} found")


# --- The index ------------------------------------------------------------------------------


@postgresql_only
def test_the_search_document_has_a_gin_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Partnership._meta.db_table)
    index = constraints["partnership_search_idx"]
    assert index["columns"] == ["search_document"]
    assert index["type"] == "gin"


@postgresql_only
def test_the_search_uses_the_gin_index_on_enough_rows(client):
    size = 2000
    cities = City.objects.bulk_create(
        City(name=f"Town {i}", slug=f"town-{i}", country="DE", latitude=50, longitude=10)
        for i in range(size + 1)
    )
    Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}",
            city_a=cities[0],
            city_b=cities[i],
            state="published",
            summary="Porcelain fair." if i == 7 else f"Common words about cooperation {i}.",
        )
        for i in range(1, size + 1)
    )
    Partnership.objects.all().refresh_search_document()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Partnership._meta.db_table}")
    results = search.search(Partnership.objects.published().with_cities(), "porcelain")
    plan = results.explain()
    assert "partnership_search_idx" in plan, plan
    assert [p.slug for p in results] == ["p-7"]


@sqlite_only
def test_on_sqlite_the_document_column_exists_and_stays_empty(pair, make_activity):
    make_activity(pair("Dresden", "Hangzhou"), title="Choir")
    assert Partnership.objects.values_list("search_document", flat=True).get() is None
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, Partnership._meta.db_table)
    assert "search_document" in {column.name for column in columns}
