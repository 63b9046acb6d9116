"""The interface in German and Simplified Chinese: every page type says its headings, labels and
counts in the visitor's language, plurals agree with their numbers, and no English heading is
left on a Chinese page. Addresses come from reverse() under the language, never literal paths."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from partnerships.anniversaries import Jubilee, ordinal
from partnerships.statistics import decade_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_partnership, make_focus_area, make_milestone, make_activity, make_city):
    """A featured partnership with a focus area, a milestone, a past and an upcoming activity,
    and its 25th anniversary two years ahead (so the page has a "next anniversary")."""
    today = timezone.localdate()
    area = make_focus_area(name="Culture", slug="culture")
    partnership = make_partnership(
        city_a=make_city(name="Dresden", slug="dresden", country="DE"),
        city_b=make_city(
            name="Hangzhou", slug="hangzhou", country="CN", latitude="30.27", longitude="120.16"
        ),
        established=datetime.date(today.year - 23, 6, 1),
        is_featured=True,
        focus_areas=[area],
    )
    make_milestone(partnership, date=datetime.date(today.year - 23, 6, 1))
    make_activity(partnership, focus_areas=[area], start_date=datetime.date(2010, 5, 1))
    make_activity(partnership, focus_areas=[area], start_date=today + datetime.timedelta(days=30))
    return partnership


def get(client, language, name, **kwargs):
    with translation.override(language):
        url = reverse(name, kwargs=kwargs or None)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def visible_text(page):
    """The page's text and its labels (aria-label, title, alt, placeholder), without the head's
    scripts and styles; entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    labels = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *labels]))


PAGES = {
    # name, kwargs, German strings, Chinese strings
    "home": (
        "home",
        {},
        ["Partnerschaften", "Städte", "Städtepartnerschaften, ausführlich erzählt", "Demnächst"],
        ["友好关系", "城市", "城市友好关系的完整故事", "即将举行"],
    ),
    "partnership_list": (
        "partnership_list",
        {},
        ["Filtern und sortieren", "1 Partnerschaft gefunden", "Ergebnisse anzeigen"],
        ["筛选和排序", "找到1项友好关系", "显示结果"],
    ),
    "partnership_detail": (
        "partnership_detail",
        {"slug": "dresden-hangzhou"},
        ["Die beiden Städte", "Luftlinie", "Zeitleiste", "Themenfelder", "Rückblick", "seit"],
        ["两座城市", "直线距离", "时间线", "合作领域", "回顾", "始于"],
    ),
    "city_detail": (
        "city_detail",
        {"slug": "dresden"},
        ["Die Partnerschaften von Dresden in Zahlen", "Partnerländer", "Erste Partnerschaft"],
        ["Dresden的友好关系数据", "伙伴国家", "首个友好关系"],
    ),
    "statistics": (
        "statistics",
        {},
        ["Statistik", "Partnerschaften pro Land", "Aktivitäten pro Jahr", "Anteil"],
        ["统计", "各国友好关系数量", "每年活动数量", "占比"],
    ),
    "activity_list": (
        "activity_list",
        {},
        ["Aktivitäten filtern", "2 Aktivitäten gefunden"],
        ["筛选活动", "找到2项活动"],
    ),
    "city_list": ("city_list", {}, ["2 Städte gefunden"], ["找到2个城市"]),
    "topic_detail": (
        "topic_detail",
        {"slug": "culture"},
        ["Themenfeld", "Partnerschaften zum Thema Culture (1)"],
        ["合作领域", "有关culture的友好关系（1）"],
    ),
    "anniversary_list": ("anniversary_list", {}, ["Jubiläen"], ["周年纪念"]),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["de", "zh-hans"])
def test_each_page_type_speaks_the_language(client, world, page, language):
    name, kwargs, german, chinese = PAGES[page]
    if name == "partnership_detail":
        kwargs = {"slug": world.slug}
    text = visible_text(get(client, language, name, **kwargs))
    for expected in german if language == "de" else chinese:
        assert expected in text, (page, language, expected)


# The navigation, the section headings and the fixed phrases of the home page, in English.
HOME_INTERFACE = [
    "Skip to main content",
    "Partnerships",
    "Cities",
    "Activities",
    "Statistics",
    "Search partnerships",
    "City partnerships, told in full",
    "Twin towns and sister cities",
    "Browse all partnerships",
    "Find a city",
    "Partnerships around the world",
    "Countries with most partnerships",
    "More figures",
    "Featured partnerships",
    "Coming up",
    "All upcoming activities",
    "Anniversaries in the coming year",
    "anniversary",
    "Follow:",
    "Calendar",
    "since",
    "Map data",
    "Twinning keeps the record",
    "on record",
]


def test_no_english_interface_string_is_left_on_the_chinese_home_page(
    client, world, make_partnership
):
    soon = timezone.localdate() + datetime.timedelta(days=60)
    make_partnership(established=datetime.date(soon.year - 10, soon.month, min(soon.day, 28)))
    text = visible_text(get(client, "zh-hans", "home"))
    assert [phrase for phrase in HOME_INTERFACE if appears(phrase, text)] == []
    # The same phrases are all there in English, so the list checks something.
    english = visible_text(get(client, "en", "home"))
    assert [phrase for phrase in HOME_INTERFACE if not appears(phrase, english)] == []


def appears(phrase, text):
    """`phrase` as words of their own ("Calendar", but not within "iCalendar")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def test_german_plurals_agree_with_one_and_two(client, make_partnership, make_city):
    make_partnership()
    text = visible_text(get(client, "de", "partnership_list"))
    assert "1 Partnerschaft gefunden" in text
    assert "Diese Partnerschaft herunterladen:" in text
    assert "2 Städte gefunden" in visible_text(get(client, "de", "city_list"))
    make_partnership()
    text = visible_text(get(client, "de", "partnership_list"))
    assert "2 Partnerschaften gefunden" in text
    assert "Diese Partnerschaften herunterladen:" in text
    assert "1 Partnerschaft" in visible_text(get(client, "de", "city_list"))


def test_german_years_of_a_partnership(client, make_partnership):
    today = timezone.localdate()
    one = make_partnership(established=datetime.date(today.year - 1, 1, 1))
    two = make_partnership(established=datetime.date(today.year - 2, 1, 1))
    assert "— 1 Jahr" in visible_text(get(client, "de", "partnership_detail", slug=one.slug))
    assert "— 2 Jahre" in visible_text(get(client, "de", "partnership_detail", slug=two.slug))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "25th anniversary"), ("de", "25. Jubiläum"), ("zh-hans", "25周年")],
)
def test_the_next_anniversary_in_each_language(client, world, language, expected):
    assert expected in visible_text(get(client, language, "partnership_detail", slug=world.slug))


@pytest.mark.parametrize(
    ("language", "years", "expected"),
    [
        ("en", 21, "21st"),
        ("en", 12, "12th"),
        ("de", 25, "25."),
        ("de", 21, "21."),
        ("zh-hans", 25, "25"),
    ],
)
def test_ordinals_per_language(language, years, expected):
    with translation.override(language):
        assert ordinal(years) == expected
        assert Jubilee(None, years, datetime.date(2024, 1, 1), "day").ordinal == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "1990s"), ("de", "1990er"), ("zh-hans", "1990年代")]
)
def test_decades_per_language(language, expected):
    with translation.override(language):
        assert decade_label(1990) == expected


def test_feeds_and_calendars_are_titled_in_the_language(client, world):
    assert "Twinning: Aktivitäten und Meilensteine" in get(client, "de", "site_feed_atom")
    assert "Twinning：活动和里程碑" in get(client, "zh-hans", "site_feed_rss")
    assert "Twinning: kommende Aktivitäten" in get(client, "de", "site_calendar")


def test_maps_and_charts_are_described_in_the_language(client, world):
    page = get(client, "de", "partnership_detail", slug=world.slug)
    assert "Karte: Dresden und Hangzhou" in page
    assert "Hangzhou ist Dresden" in page  # "… 6 Stunden voraus" or 7, by the season
    assert "Kartendaten: Natural Earth." in page
    page = get(client, "zh-hans", "city_detail", slug="dresden")
    assert "地图：Dresden及其1个伙伴城市" in page
