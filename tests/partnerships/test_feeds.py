"""Atom and RSS feeds: parsed with feedparser and checked against the Atom and RSS rules."""

import calendar
import datetime
import email.utils
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cities.models import City
from core.dates import anniversary_in
from partnerships.models import Activity, FocusArea, Milestone, Partnership
from partnerships.opendata import feeds

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"

SCOPES = ["site", "partnership", "city", "topic"]


@pytest.fixture
def world(make_city, make_focus_area, make_partnership, make_activity, make_milestone):
    """Dresden–Hangzhou (published) with dated, partly dated and undated records, and a draft
    Dresden–Ulm that shares the city and the focus area and must never show."""
    culture = make_focus_area(name="Culture & Arts", slug="culture")
    science = make_focus_area(name="Science", slug="science")
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    ulm = make_city(name="Ulm", slug="ulm")
    pair = make_partnership(
        city_a=dresden, city_b=hangzhou, slug="dresden-hangzhou", focus_areas=[culture]
    )
    draft = make_partnership(
        city_a=ulm, city_b=dresden, slug="ulm-dresden", state=Partnership.State.DRAFT
    )
    records = {
        "pair": pair,
        "draft": draft,
        "culture": culture,
        "exhibition": make_activity(
            pair,
            title="Porcelain exhibition",
            kind=Activity.Kind.EXHIBITION,
            start_date=datetime.date(2010, 5, 1),
            start_precision="month",
            location="Zwinger",
            description="**Bold** move <script>alert(1)</script> [x](javascript:alert(1))",
            focus_areas=[culture],
        ),
        "research": make_activity(
            pair,
            title="Flood research",
            kind=Activity.Kind.RESEARCH,
            start_date=datetime.date(2011, 1, 1),
            start_precision="year",
            focus_areas=[science],
        ),
        "visit": make_activity(pair, title="Choir visit", start_date=datetime.date(2009, 6, 3)),
        "undated": make_activity(pair, title="Ongoing student exchange", start_date=None),
        "agreement": make_milestone(
            pair, title="Agreement signed", date=datetime.date(2009, 10, 16)
        ),
        "memorandum": make_milestone(
            pair,
            title="Memorandum",
            kind=Milestone.Kind.MEMORANDUM,
            date=datetime.date(2007, 11, 1),
            date_precision="month",
        ),
        "secret_activity": make_activity(
            draft,
            title="Secret activity",
            start_date=datetime.date(2012, 1, 1),
            focus_areas=[culture],
        ),
        "secret_milestone": make_milestone(
            draft, title="Secret milestone", date=datetime.date(2012, 2, 2)
        ),
    }
    return records


def feed_url(scope, fmt, slug=None):
    args = [slug] if slug else []
    return reverse(f"{scope}_feed_{fmt}", args=args)


def scope_slug(scope):
    return {"site": None, "partnership": "dresden-hangzhou", "city": "dresden", "topic": "culture"}[
        scope
    ]


def fetch(client, url, fmt):
    response = client.get(url)
    assert response.status_code == 200
    expected = "application/atom+xml" if fmt == "atom" else "application/rss+xml"
    assert response["Content-Type"] == f"{expected}; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")
    check_format_rules(response.content, fmt)
    return parsed


def check_format_rules(content, fmt):
    """What RFC 4287 and RSS 2.0 require of every feed and entry, and unique ids."""
    root = ET.fromstring(content)  # noqa: S314 - our own output, in a test
    if fmt == "atom":
        assert root.tag == f"{ATOM}feed"
        for element in ("id", "title", "updated", "author/" + ATOM + "name"):
            assert root.find(ATOM + element).text.strip()
        ids = []
        for entry in root.findall(f"{ATOM}entry"):
            for element in ("id", "title", "updated", "published", "summary"):
                assert entry.find(ATOM + element).text.strip(), element
            assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
            datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)  # RFC 3339
            ids.append(entry.find(f"{ATOM}id").text)
    else:
        assert root.tag == "rss" and root.get("version") == "2.0"
        channel = root.find("channel")
        for element in ("title", "link", "description"):
            assert channel.find(element).text.strip()
        ids = []
        for item in channel.findall("item"):
            for element in ("title", "link", "description", "pubDate"):
                assert item.find(element).text.strip(), element
            guid = item.find("guid")
            assert guid.get("isPermaLink") == "false"  # a tag URI, not an address
            ids.append(guid.text)
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert all(i.startswith("tag:testserver,2025:") for i in ids)


def titles(parsed):
    return [entry.title for entry in parsed.entries]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("scope", SCOPES)
def test_feeds_parse_and_leave_out_unpublished(client, world, scope, fmt):
    parsed = fetch(client, feed_url(scope, fmt, scope_slug(scope)), fmt)
    text = " ".join(titles(parsed))
    assert "Porcelain exhibition (May 2010) · Dresden – Hangzhou" in text
    assert "Secret" not in text
    assert "Ulm" not in str(parsed)
    if scope != "topic":  # it has no focus area
        # Undated cooperation is news too: titled without a date.
        assert "Ongoing student exchange · Dresden – Hangzhou" in titles(parsed)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("scope", ["site", "partnership", "city"])
def test_activities_and_milestones_newest_first(client, world, scope, fmt):
    parsed = fetch(client, feed_url(scope, fmt, scope_slug(scope)), fmt)
    assert titles(parsed) == [
        "Ongoing student exchange · Dresden – Hangzhou",  # undated: by when it was recorded
        "Flood research (2011) · Dresden – Hangzhou",
        "Porcelain exhibition (May 2010) · Dresden – Hangzhou",
        "Agreement signed (16 October 2009) · Dresden – Hangzhou",
        "Choir visit (3 June 2009) · Dresden – Hangzhou",
        "Memorandum (November 2007) · Dresden – Hangzhou",
    ]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_topic_feed_has_the_topics_activities_only(client, world, fmt):
    parsed = fetch(client, feed_url("topic", fmt, "culture"), fmt)
    assert titles(parsed) == ["Porcelain exhibition (May 2010) · Dresden – Hangzhou"]
    assert parsed.feed.title == "Culture & Arts: activities in city partnerships"


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_undated_activities_reach_the_topic_feed(client, world, make_activity, fmt):
    """The topic page lists undated activities; its feed must too."""
    ongoing = make_activity(
        world["pair"],
        title="School partnership",
        start_date=None,
        location="Dresden",
        focus_areas=[world["culture"]],
    )
    parsed = fetch(client, feed_url("topic", fmt, "culture"), fmt)
    assert titles(parsed) == [
        "School partnership · Dresden – Hangzhou",  # recorded now: newer than 2010
        "Porcelain exhibition (May 2010) · Dresden – Hangzhou",
    ]
    entry = parsed.entries[0]
    assert entry.id == f"tag:testserver,2025:activity-{ongoing.pk}"
    assert entry.link.endswith("/en/partnerships/dresden-hangzhou/#undated-heading")
    assert "Cooperation without a date · Exchange · Dresden" in entry.summary
    # Published when it was recorded (feeds give whole seconds).
    assert calendar.timegm(entry.published_parsed) == int(ongoing.created_at.timestamp())


def test_city_feed_covers_the_city_on_either_side(client, world, make_partnership, make_activity):
    other = make_partnership(city_b=world["pair"].city_a)  # Dresden as the partner city
    make_activity(other, title="Harbour festival", start_date=datetime.date(2015, 7, 4))
    parsed = fetch(client, feed_url("city", "atom", "dresden"), "atom")
    assert titles(parsed)[1].startswith("Harbour festival (4 July 2015)")  # after the undated
    assert "Porcelain exhibition (May 2010) · Dresden – Hangzhou" in titles(parsed)


def test_partial_dates_are_published_at_the_start_of_their_period(client, world):
    parsed = fetch(client, feed_url("partnership", "atom", "dresden-hangzhou"), "atom")
    by_title = {entry.title.split(" (")[0]: entry for entry in parsed.entries}
    tz = timezone.get_current_timezone()

    def timestamp(date):
        return calendar.timegm(
            datetime.datetime.combine(date, datetime.time.min, tzinfo=tz).utctimetuple()
        )

    for title, record, date in [
        ("Porcelain exhibition", world["exhibition"], datetime.date(2010, 5, 1)),
        ("Flood research", world["research"], datetime.date(2011, 1, 1)),
        ("Memorandum", world["memorandum"], datetime.date(2007, 11, 1)),
        ("Agreement signed", world["agreement"], datetime.date(2009, 10, 16)),
    ]:
        entry = by_title[title]
        assert calendar.timegm(entry.published_parsed) == timestamp(date)
        # Updated: when the record last changed (recorded long after the event).
        assert calendar.timegm(entry.updated_parsed) == int(record.updated_at.timestamp())
    # The text names only what is known: "May 2010", never "1 May 2010".
    exhibition = by_title["Porcelain exhibition"]
    assert "May 2010" in exhibition.summary
    assert "1 May" not in exhibition.summary + exhibition.title


def test_entries_link_to_the_partnership_page_with_stable_ids(client, world):
    parsed = fetch(client, feed_url("site", "rss"), "rss")
    exhibition, agreement = world["exhibition"], world["agreement"]
    by_id = {entry.id: entry for entry in parsed.entries}
    page = "http://testserver/en/partnerships/dresden-hangzhou/"
    assert by_id[f"tag:testserver,2025:activity-{exhibition.pk}"].link == (
        page + "#retrospective-heading"
    )
    assert by_id[f"tag:testserver,2025:milestone-{agreement.pk}"].link == (
        page + "#timeline-heading"
    )
    # The id does not depend on the slug or the title.
    Partnership.objects.filter(pk=world["pair"].pk).update(slug="renamed")
    Activity.objects.filter(pk=exhibition.pk).update(title="Porcelain show")
    renamed = fetch(client, feed_url("site", "rss"), "rss")
    assert {entry.id for entry in renamed.entries} == set(by_id)


def test_upcoming_activities_link_to_the_news(client, world, make_activity):
    soon = timezone.localdate() + datetime.timedelta(days=20)
    concert = make_activity(world["pair"], title="Concert", start_date=soon)
    parsed = fetch(client, feed_url("partnership", "atom", "dresden-hangzhou"), "atom")
    entry = next(e for e in parsed.entries if e.id.endswith(f":activity-{concert.pk}"))
    assert entry.link.endswith("/en/partnerships/dresden-hangzhou/#news-heading")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("scope", ["site", "partnership"])
def test_upcoming_entries_are_not_dated_in_the_future(client, world, make_activity, scope, fmt):
    soon = timezone.localdate() + datetime.timedelta(days=40)
    make_activity(world["pair"], title="Concert", start_date=soon)
    url = feed_url(scope, fmt, scope_slug(scope))
    parsed = fetch(client, url, fmt)
    response = client.get(url)
    now = timezone.now()
    entry = parsed.entries[0]  # still first: entries are ordered by their own date
    # The title keeps the event's own date; only the timestamps are held back.
    assert entry.title == f"Concert ({soon.day} {soon:%B %Y}) · Dresden – Hangzhou"
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, in a test
    if fmt == "atom":
        stamps = [root.findtext(f"{ATOM}updated")]  # the feed's own
        first = root.find(f"{ATOM}entry")
        stamps += [first.findtext(f"{ATOM}updated"), first.findtext(f"{ATOM}published")]
        parsed_stamps = [datetime.datetime.fromisoformat(stamp) for stamp in stamps]
    else:
        channel = root.find("channel")
        stamps = [channel.findtext("lastBuildDate"), channel.find("item").findtext("pubDate")]
        parsed_stamps = [email.utils.parsedate_to_datetime(stamp) for stamp in stamps]
    assert all(stamp <= now for stamp in parsed_stamps), stamps


# Stable dates: the same entries on two days, time-travelled (time-machine).

DAY_ONE = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
ONE_DAY = datetime.timedelta(days=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def entry_stamps(client, url, fmt):
    """{entry id: (published, updated)} as the feed writes them, and the feed's own date."""
    cache.clear()  # the page cache would answer the other day from its copy
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, in a test
    if fmt == "atom":
        stamps = {
            entry.findtext(f"{ATOM}id"): tuple(
                datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}{name}"))
                for name in ("published", "updated")
            )
            for entry in root.findall(f"{ATOM}entry")
        }
        return stamps, datetime.datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    channel = root.find("channel")
    stamps = {
        item.findtext("guid"): (email.utils.parsedate_to_datetime(item.findtext("pubDate")),)
        for item in channel.findall("item")
    }
    return stamps, email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))


@pytest.fixture
def recorded(make_city, make_partnership, make_activity, make_milestone):
    """Records made at different moments of DAY_ONE: an event announced ahead, an undated
    activity, a past event recorded later, a milestone and a partnership with a jubilee."""
    with at(DAY_ONE - 30 * ONE_DAY):
        pair = make_partnership(
            city_a=make_city(name="Dresden", slug="dresden"),
            city_b=make_city(name="Hangzhou", country="CN"),
            slug="dresden-hangzhou",
            # Its 10th anniversary is in two months: within the feed's year.
            established=datetime.date(2016, 5, 12),
            established_precision="day",
        )
    with at(DAY_ONE - 5 * ONE_DAY):
        concert = make_activity(pair, title="Concert", start_date=datetime.date(2026, 4, 20))
    with at(DAY_ONE - 3 * ONE_DAY):
        ongoing = make_activity(pair, title="Ongoing exchange", start_date=None)
    with at(DAY_ONE - 2 * ONE_DAY):
        visit = make_activity(pair, title="Choir visit", start_date=datetime.date(2019, 6, 3))
        agreement = make_milestone(pair, title="Agreement", date=datetime.date(2016, 5, 12))
    with at(DAY_ONE - ONE_DAY):
        visit.description = "With the city orchestra."
        visit.save()  # changed a day after it was recorded
    return {
        "pair": pair,
        "concert": concert,
        "ongoing": ongoing,
        "visit": visit,
        "agreement": agreement,
    }


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("scope", ["site", "partnership", "city"])
def test_entry_dates_are_stored_facts_that_do_not_move(client, recorded, scope, fmt):
    url = feed_url(scope, fmt, scope_slug(scope))
    with at(DAY_ONE):
        first, feed_date = entry_stamps(client, url, fmt)
    with at(DAY_ONE + ONE_DAY):
        second, next_feed_date = entry_stamps(client, url, fmt)
    with at(DAY_ONE + 40 * ONE_DAY):  # the concert is over, the exchange still undated
        later, _ = entry_stamps(client, url, fmt)
    assert first == second == later
    assert feed_date == next_feed_date
    assert all(stamp <= DAY_ONE for stamps in first.values() for stamp in stamps)

    def stamps_of(record, kind="activity"):
        return first[f"tag:testserver,2025:{kind}-{record.pk}"]

    def second_of(moment):
        return moment.replace(microsecond=0)

    concert, ongoing, visit = recorded["concert"], recorded["ongoing"], recorded["visit"]
    # Announced ahead: published when it was recorded, not "today".
    assert stamps_of(concert)[0] == second_of(concert.created_at)
    # Undated: published when it was recorded.
    assert stamps_of(ongoing)[0] == second_of(ongoing.created_at)
    # A past event recorded later: published at its date.
    tz = timezone.get_current_timezone()
    assert stamps_of(visit)[0] == datetime.datetime(2019, 6, 3, tzinfo=tz)
    if fmt == "atom":
        # Updated: each record's own last change; they differ, and the feed's is the latest.
        assert stamps_of(visit)[1] == second_of(visit.updated_at) == DAY_ONE - ONE_DAY
        assert stamps_of(concert)[1] == second_of(concert.updated_at)
        assert len({stamps[1] for stamps in first.values()}) == len(first)
        assert feed_date == max(stamps[1] for stamps in first.values()) == DAY_ONE - ONE_DAY


def test_an_edit_moves_updated_but_not_published(client, recorded):
    url = feed_url("partnership", "atom", "dresden-hangzhou")
    with at(DAY_ONE):
        before, _ = entry_stamps(client, url, "atom")
    concert = recorded["concert"]
    with at(DAY_ONE + ONE_DAY):
        concert.title = "Open-air concert"
        concert.save()
    with at(DAY_ONE + 2 * ONE_DAY):
        after, feed_date = entry_stamps(client, url, "atom")
    key = f"tag:testserver,2025:activity-{concert.pk}"
    assert after[key] == (before[key][0], DAY_ONE + ONE_DAY)
    assert feed_date == DAY_ONE + ONE_DAY
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_anniversaries_keep_the_date_they_entered_the_feed(
    client, recorded, make_city, make_partnership, fmt
):
    with at(DAY_ONE - 700 * ONE_DAY):
        old = make_partnership(
            city_a=make_city(name="Kiel"),
            city_b=make_city(name="Vaasa", country="FI"),
            established=datetime.date(2001, 5, 20),  # 25 years on 20 May 2026
            established_precision="day",
        )
    url = feed_url("anniversary", fmt)
    with at(DAY_ONE):
        first, _ = entry_stamps(client, url, fmt)
    with at(DAY_ONE + ONE_DAY):
        second, _ = entry_stamps(client, url, fmt)
    assert first == second
    pair = recorded["pair"]
    key = f"tag:testserver,2025:jubilee-{pair.pk}-10"
    # The 10th anniversary, 12 May 2026, entered the year-long window on 12 May 2025, before
    # the partnership was published: so it is dated by the publication.
    published = (pair.published_at or pair.created_at).replace(microsecond=0)
    assert first[key][0] == published
    assert published < DAY_ONE
    # Published long before: the 25th anniversary entered the window a year ahead.
    tz = timezone.get_current_timezone()
    entered = datetime.datetime(2025, 5, 20, tzinfo=tz)
    assert first[f"tag:testserver,2025:jubilee-{old.pk}-25"][0] == entered


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_descriptions_are_sanitised_markdown(client, world, fmt):
    response = client.get(feed_url("site", fmt))
    parsed = fetch(client, feed_url("site", fmt), fmt)
    exhibition = next(e for e in parsed.entries if e.title.startswith("Porcelain"))
    assert "<strong>Bold</strong> move" in exhibition.summary
    assert "May 2010 · Exhibition · Zwinger" in exhibition.summary
    raw = response.content.decode()
    assert "<script" not in raw and "&lt;script" not in raw
    assert "javascript:" not in raw


def test_entries_carry_their_kind_and_focus_areas_as_categories(client, world):
    parsed = fetch(client, feed_url("site", "atom"), "atom")
    exhibition = next(e for e in parsed.entries if e.title.startswith("Porcelain"))
    assert [tag.term for tag in exhibition.tags] == ["Exhibition", "Culture & Arts"]
    agreement = next(e for e in parsed.entries if e.title.startswith("Agreement"))
    assert [tag.term for tag in agreement.tags] == ["Agreement"]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feeds_are_bounded_to_the_newest(client, make_partnership, fmt):
    pair = make_partnership(slug="busy")
    start = datetime.date(2000, 1, 1)
    Activity.objects.bulk_create(
        Activity(
            partnership=pair,
            title=f"Activity {i}",
            kind=Activity.Kind.EXCHANGE,
            start_date=start + datetime.timedelta(days=2 * i),
        )
        for i in range(60)
    )
    Milestone.objects.bulk_create(
        Milestone(
            partnership=pair,
            title=f"Milestone {i}",
            kind=Milestone.Kind.OTHER,
            date=start + datetime.timedelta(days=2 * i + 1),
        )
        for i in range(60)
    )
    parsed = fetch(client, feed_url("partnership", fmt, "busy"), fmt)
    assert len(parsed.entries) == feeds.FEED_SIZE
    assert parsed.entries[0].title.startswith("Milestone 59 ")
    assert parsed.entries[1].title.startswith("Activity 59 ")
    assert parsed.entries[-1].title.startswith("Activity 35 ")
    stamps = [calendar.timegm(entry.published_parsed) for entry in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("scope", ["partnership", "city", "topic"])
def test_unknown_slugs_answer_404(client, world, scope, fmt):
    assert client.get(feed_url(scope, fmt, "no-such-thing")).status_code == 404


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_unpublished_partnerships_and_their_only_cities_answer_404(client, world, fmt):
    assert client.get(feed_url("partnership", fmt, "ulm-dresden")).status_code == 404
    # Ulm has only the draft partnership, so it has no public page and no feed.
    assert client.get(feed_url("city", fmt, "ulm")).status_code == 404


def test_no_last_modified_so_a_changed_feed_is_never_answered_304(client, world, make_activity):
    """An older entry added later leaves the newest date alone: If-Modified-Since must not
    decide, the content (ETag) must."""
    url = feed_url("site", "atom")
    first = client.get(url)
    assert "Last-Modified" not in first
    make_activity(world["pair"], title="Old photo archive", start_date=datetime.date(1990, 1, 1))
    second = client.get(url, HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")
    assert second.status_code == 200
    assert "Old photo archive" in second.content.decode()


def test_the_page_cache_keeps_the_content_type_and_answers_304(client, world, settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        url = feed_url("partnership", "rss", "dresden-hangzhou")
        first = client.get(url)
        second = client.get(url)
        assert second.content == first.content
        assert second["Content-Type"] == "application/rss+xml; charset=utf-8"
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    finally:
        cache.clear()


# Anniversaries


@pytest.fixture
def jubilees(make_city, make_partnership):
    today = timezone.localdate()
    in_a_month = today + datetime.timedelta(days=30)
    founded_25 = anniversary_in(in_a_month.year - 25, in_a_month)
    in_two_months = (today + datetime.timedelta(days=62)).replace(day=1)
    return {
        "today": today,
        "day": make_partnership(
            city_a=make_city(name="Berlin"),
            city_b=make_city(name="Beijing", country="CN"),
            established=founded_25,
            established_precision="day",
        ),
        "month": make_partnership(
            city_a=make_city(name="Dresden"),
            city_b=make_city(name="Hangzhou", country="CN"),
            established=in_two_months.replace(year=in_two_months.year - 10),
            established_precision="month",
        ),
        "draft": make_partnership(
            city_a=make_city(name="Ulm"),
            city_b=make_city(name="Secretville"),
            established=founded_25,
            state=Partnership.State.DRAFT,
        ),
        "not_round": make_partnership(
            city_a=make_city(name="Kiel"),
            city_b=make_city(name="Vaasa", country="FI"),
            established=anniversary_in(in_a_month.year - 23, in_a_month),
        ),
        "dates": (in_a_month, in_two_months),
    }


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_anniversary_feed_lists_the_coming_jubilees(client, jubilees, fmt):
    assert feed_url("anniversary", "atom") == "/en/anniversaries/feed/"
    parsed = fetch(client, feed_url("anniversary", fmt), fmt)
    in_a_month, in_two_months = jubilees["dates"]
    day, month = jubilees["day"], jubilees["month"]
    day_text = f"{in_a_month.day} {in_a_month:%B %Y}"
    assert titles(parsed) == [
        f"25th anniversary, {day_text} · Berlin – Beijing",
        f"10th anniversary, {in_two_months:%B %Y} · Dresden – Hangzhou",
    ]
    assert [entry.id for entry in parsed.entries] == [
        f"tag:testserver,2025:jubilee-{day.pk}-25",
        f"tag:testserver,2025:jubilee-{month.pk}-10",
    ]
    assert parsed.entries[0].link == f"http://testserver{day.get_absolute_url()}"
    assert f"since {month.established_display}" in parsed.entries[1].summary
    assert "Secretville" not in str(parsed) and "Vaasa" not in str(parsed)
    assert parsed.feed.link == "http://testserver/en/anniversaries/"
    # Every jubilee is still to come, but none is dated in the future.
    assert all(
        calendar.timegm(entry.published_parsed) <= timezone.now().timestamp()
        for entry in parsed.entries
    )


# Autodiscovery


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alternates = {}
        self.anchors = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate" and "type" in attrs:
            self.alternates.setdefault(attrs["type"], []).append(attrs["href"])
        if tag == "a":
            self.anchors.append(attrs.get("href"))


def page_links(client, url):
    response = client.get(url)
    assert response.status_code == 200
    collector = LinkCollector()
    collector.feed(response.content.decode())
    return collector


@pytest.mark.parametrize(
    ("page", "scope", "slug", "has_calendar"),
    [
        ("/en/", "site", None, True),
        ("/en/partnerships/dresden-hangzhou/", "partnership", "dresden-hangzhou", True),
        ("/en/cities/dresden/", "city", "dresden", True),
        ("/en/topics/culture/", "topic", "culture", False),
    ],
)
def test_pages_announce_their_feeds(client, world, page, scope, slug, has_calendar):
    links = page_links(client, page)
    atom, rss = feed_url(scope, "atom", slug), feed_url(scope, "rss", slug)
    assert atom in links.alternates["application/atom+xml"]
    assert links.alternates["application/rss+xml"] == [rss]
    assert atom in links.anchors and rss in links.anchors  # the visible "Follow" line
    for url, fmt in [(atom, "atom"), (rss, "rss")]:
        assert "Porcelain exhibition (May 2010) · Dresden – Hangzhou" in titles(
            fetch(client, url, fmt)
        )
    if has_calendar:
        (calendar_url,) = links.alternates["text/calendar"]
        assert calendar_url in links.anchors
        assert client.get(calendar_url).status_code == 200
    else:
        assert "text/calendar" not in links.alternates


def test_home_announces_the_anniversary_feed(client, world):
    links = page_links(client, "/en/")
    assert "/en/anniversaries/feed/" in links.alternates["application/atom+xml"]
    assert "/en/anniversaries/feed/" in links.anchors


# Query counts: a fixed number, however much there is.

MAX_QUERIES = {
    "site": 4,  # dated activities, undated ones, their focus areas, milestones
    "partnership": 5,  # the partnership, then as the site feed
    "city": 5,  # the city, then as the site feed
    "topic": 4,  # the topic, dated activities, undated ones, their focus areas
    "anniversary": 1,  # the partnerships with a jubilee, with their cities
}


def build(size):
    """`size` published partnerships around one hub city, each with `size` activities and
    milestones, a third of them in the coming year's jubilees; and a draft."""
    today = timezone.localdate()
    topic = FocusArea.objects.create(name="Culture", slug="culture")
    cities = City.objects.bulk_create(
        City(name=f"City {i}", slug=f"city-{i}", country="DE", latitude=50, longitude=10)
        for i in range(size + 1)
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}",
            city_a=cities[0],
            city_b=cities[i],
            state="published",
            established=anniversary_in(today.year - 5 * i, today + datetime.timedelta(days=i))
            if i % 3 == 1
            else datetime.date(1990, 1, 1),
            established_precision=["day", "month", "year"][i % 3],
        )
        for i in range(1, size + 1)
    )
    for partnership in partnerships:
        partnership.focus_areas.add(topic)
    activities = Activity.objects.bulk_create(
        Activity(
            partnership=partnership,
            title=f"Activity {i}",
            kind=Activity.Kind.EXCHANGE,
            start_date=None
            if i % 5 == 4
            else datetime.date(2000, 1, 1) + datetime.timedelta(days=i),
        )
        for partnership in partnerships
        for i in range(size)
    )
    Activity.focus_areas.through.objects.bulk_create(
        Activity.focus_areas.through(activity=activity, focusarea=topic) for activity in activities
    )
    Milestone.objects.bulk_create(
        Milestone(
            partnership=partnership,
            title=f"Milestone {i}",
            kind=Milestone.Kind.OTHER,
            date=datetime.date(1995, 1, 1) + datetime.timedelta(days=i),
        )
        for partnership in partnerships
        for i in range(size)
    )
    return {
        "site": None,
        "partnership": "p-1",
        "city": "city-0",
        "topic": "culture",
        "anniversary": None,
    }


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("size", [1, 30], ids=["small", "large"])
@pytest.mark.parametrize("scope", sorted(MAX_QUERIES))
def test_feed_query_count_does_not_grow(client, django_assert_max_num_queries, scope, size, fmt):
    slug = build(size)[scope]
    url = feed_url(scope, fmt, slug)
    with django_assert_max_num_queries(MAX_QUERIES[scope]):
        response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.entries, "the data must reach the feed for the count to mean anything"
    assert len(parsed.entries) <= feeds.FEED_SIZE


def test_feeds_are_in_their_language_else_the_original(client, world):
    """A translation where there is one, else the English, as on the pages; the focus areas
    in their own order (by English name) whatever the language."""
    exhibition = Activity.objects.get(title_en__startswith="Porcelain")
    Activity.objects.filter(pk=exhibition.pk).update(title_de="Porzellanschau", location_de="")
    exhibition.focus_areas.add(FocusArea.objects.get(slug="science"))
    FocusArea.objects.filter(slug="science").update(name_de="Aaa Wissenschaft")
    FocusArea.objects.filter(slug="culture").update(name_de="Kultur")
    City.objects.filter(slug="hangzhou").update(name_de="Hangzhou (Zhejiang)")
    parsed = fetch(client, "/de/feed/", "atom")
    entry = next(e for e in parsed.entries if e.title.startswith("Porzellanschau"))
    assert entry.title.endswith(" · Dresden – Hangzhou (Zhejiang)")
    assert "Zwinger" in entry.summary  # no German location: the English one
    assert [tag.term for tag in entry.tags][1:] == ["Kultur", "Aaa Wissenschaft"]
    assert any(e.title.startswith("Agreement") for e in parsed.entries)  # not translated


def test_the_site_feeds_queries_are_built_once_per_language(client, world, make_activity):
    """site_queries() keeps the queries as built in each language, never their rows: an edit
    shows on the next request, each language reads its own columns."""
    feeds.site_queries.cache_clear()
    for language in ("en", "de", "en"):
        assert client.get(f"/{language}/feed/").status_code == 200
    assert feeds.site_queries.cache_info().misses == 2
    assert feeds.site_queries.cache_info().hits == 1
    activity = make_activity(
        world["pair"], title="Lantern festival", start_date=timezone.localdate()
    )
    assert "Lantern festival" in client.get("/en/feed/").text
    Activity.objects.filter(pk=activity.pk).update(title_de="Laternenfest")
    assert "Laternenfest" in client.get("/de/feed/rss/").text
    activity.delete()
    assert "Lantern festival" not in client.get("/en/feed/rss/").text
