"""Atom/RSS feeds and iCalendar feeds.

One scheme: a page's Atom feed is at <page>feed/, its RSS feed at <page>feed/rss/ and its
calendar at <page>calendar.ics (the home page's at the root). Their names follow it too:
<scope>_feed_atom, <scope>_feed_rss and <scope>_calendar, the home page's scope being "site".
"""

from django.urls import path

from core.page_cache import cached_page

from . import calendars, feeds

urlpatterns = [
    path("feed/", cached_page(feeds.SiteAtomFeed()), name="site_feed_atom"),
    path("feed/rss/", cached_page(feeds.SiteFeed()), name="site_feed_rss"),
    path("calendar.ics", cached_page(calendars.site_calendar), name="site_calendar"),
    path(
        "partnerships/<slug:slug>/feed/",
        cached_page(feeds.PartnershipAtomFeed()),
        name="partnership_feed_atom",
    ),
    path(
        "partnerships/<slug:slug>/feed/rss/",
        cached_page(feeds.PartnershipFeed()),
        name="partnership_feed_rss",
    ),
    path(
        "partnerships/<slug:slug>/calendar.ics",
        cached_page(calendars.partnership_calendar),
        name="partnership_calendar",
    ),
    path("cities/<slug:slug>/feed/", cached_page(feeds.CityAtomFeed()), name="city_feed_atom"),
    path("cities/<slug:slug>/feed/rss/", cached_page(feeds.CityFeed()), name="city_feed_rss"),
    path(
        "cities/<slug:slug>/calendar.ics",
        cached_page(calendars.city_calendar),
        name="city_calendar",
    ),
    path("topics/<slug:slug>/feed/", cached_page(feeds.TopicAtomFeed()), name="topic_feed_atom"),
    path("topics/<slug:slug>/feed/rss/", cached_page(feeds.TopicFeed()), name="topic_feed_rss"),
    path(
        "anniversaries/feed/",
        cached_page(feeds.AnniversaryAtomFeed()),
        name="anniversary_feed_atom",
    ),
    path(
        "anniversaries/feed/rss/",
        cached_page(feeds.AnniversaryFeed()),
        name="anniversary_feed_rss",
    ),
]
