"""The public partnership, topic and activity pages as a visitor sees them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from core.dates import DatePrecision
from partnerships.models import (
    Activity,
    ActivityYearFigure,
    Contact,
    Document,
    FocusAreaActivityFigure,
    Partnership,
    Picture,
    Plan,
    prefetch_page,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def dresden_hangzhou(make_city, make_partnership, make_focus_area):
    dresden = make_city(name="Dresden", slug="dresden", country="DE", region="Saxony")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN", region="Zhejiang")
    culture = make_focus_area(name="Culture", slug="culture")
    return make_partnership(
        city_a=dresden,
        city_b=hangzhou,
        slug="dresden-hangzhou",
        established=datetime.date(2009, 10, 16),
        established_precision=DatePrecision.DAY,
        focus_areas=[culture],
        funding="Both cities' administrations pay.",
    )


def future(days):
    return timezone.localdate() + datetime.timedelta(days=days)


class TestPartnershipDetail:
    def test_shows_cities_kind_status_and_age(self, client, dresden_hangzhou):
        response = client.get(dresden_hangzhou.get_absolute_url())
        assertContains(response, "<h1>Dresden – Hangzhou</h1>", html=True)
        assertContains(response, "Twinning / sister cities")
        assertContains(response, "Active")
        years = dresden_hangzhou.age_in_years()
        assertContains(response, f"since 16 October 2009 — {years} years")
        assertContains(response, "Saxony, Germany")
        assertContains(response, 'href="/en/topics/culture/"')

    def test_month_precise_dates_never_print_a_day(self, client, dresden_hangzhou, make_milestone):
        make_milestone(
            dresden_hangzhou,
            date=datetime.date(2007, 11, 1),
            date_precision=DatePrecision.MONTH,
            title="Memorandum of Understanding",
        )
        response = client.get(dresden_hangzhou.get_absolute_url())
        assertContains(response, "November 2007")
        assertNotContains(response, "1 November 2007")

    def test_news_and_retrospective_split_by_date(self, client, dresden_hangzhou, make_activity):
        make_activity(
            dresden_hangzhou, title="Choir festival", start_date=datetime.date(2010, 5, 1)
        )
        make_activity(dresden_hangzhou, title="Mayors' conference", start_date=future(30))
        make_activity(dresden_hangzhou, title="Expert exchanges", start_date=None)
        page = client.get(dresden_hangzhou.get_absolute_url()).content.decode()
        html = page[page.index("<main") :]  # the visible page, after the head's structured data
        news, retrospective, undated = (
            html.index("News: coming up"),
            html.index("Retrospective"),
            html.index("Cooperation without a date"),
        )
        # (The titles are in the timeline drawing above too: look in the lists.)
        assert news < html.index("Mayors&#x27; conference", news) < retrospective
        assert retrospective < html.index("Choir festival", retrospective) < undated
        assert undated < html.index("Expert exchanges")

    def test_a_long_history_shows_the_latest_activities_and_links_to_the_rest(
        self, client, dresden_hangzhou, make_activity
    ):
        # A visitor on a phone gets the latest twenty, not a page of hundreds.
        for year in range(1990, 2015):
            make_activity(dresden_hangzhou, title=f"Exchange of {year}", start_date=D(year, 5, 1))
        html = client.get(dresden_hangzhou.get_absolute_url()).content.decode()
        assert "Exchange of 2014" in html and "Exchange of 1995" in html
        assert "Exchange of 1994" not in html
        assert "The latest 20 of 25 activities." in html
        link = reverse("activity_list") + "?partnership=dresden-hangzhou&amp;when=past"
        assert f'<a href="{link}">All 25 past activities</a> (5 more)' in html

        rest = client.get(
            reverse("activity_list"), {"partnership": "dresden-hangzhou", "when": "past"}
        )
        assertContains(rest, "25 activities found")
        assertContains(rest, "Exchange of 1995")  # the list pages by twenty too
        assertContains(rest, "Page 1 of 2")
        assertContains(rest, "Activities of <a")

    def test_a_short_history_has_no_link_to_more(self, client, dresden_hangzhou, make_activity):
        make_activity(dresden_hangzhou, title="Choir festival", start_date=D(2010, 5, 1))
        response = client.get(dresden_hangzhou.get_absolute_url())
        assertContains(response, "Choir festival")
        assertNotContains(response, "?partnership=")

    def test_plans_show_their_status_and_delivering_activities(
        self, client, dresden_hangzhou, make_plan, make_activity
    ):
        seminar = make_activity(dresden_hangzhou, title="Judges' seminar 2014")
        plan = make_plan(
            dresden_hangzhou, title="Continue the seminar", status=Plan.Status.IN_PROGRESS
        )
        plan.activities.add(seminar)
        response = client.get(dresden_hangzhou.get_absolute_url())
        assertContains(response, "Continue the seminar")
        # Its progress against what was done (partnerships/models/records.py Plan.progress).
        assertContains(response, '<span class="status status-under_way">Under way</span>')
        assertContains(response, "Delivered through: Judges&#x27; seminar 2014 (1 January 2010)")

    def test_key_figures_sources_and_image_credit(
        self, client, dresden_hangzhou, make_partnership_figure, make_city_figure, make_source
    ):
        make_partnership_figure(dresden_hangzhou, label="School partnerships", value=18)
        make_city_figure(
            dresden_hangzhou.city_a,
            label="Agglomeration",
            value=780000,
            qualifier="about",
            unit="inhabitants",
            year=2008,
        )
        make_source(dresden_hangzhou, title="Exchange Platform Survey", publisher="City of Dresden")
        dresden_hangzhou.city_b.image_credit = "A. Photographer"
        dresden_hangzhou.city_b.save()
        response = client.get(dresden_hangzhou.get_absolute_url())
        assertContains(response, "School partnerships")
        assertContains(response, "about 780,000 inhabitants")
        assertContains(response, "Exchange Platform Survey")
        assertContains(response, "A. Photographer")

    def test_empty_sections_are_left_out(self, client, dresden_hangzhou):
        html = client.get(dresden_hangzhou.get_absolute_url()).content.decode()
        assert "Funding" in html
        for heading in (
            "Timeline",
            "Retrospective",
            "News: coming up",
            "Obstacles and needs",
            "Key achievements",
            "Key figures",
            "Sources and credits",
            "The future",
        ):
            assert f">{heading}</h2>" not in html, heading

    def test_unpublished_partnership_is_not_found(self, client, make_partnership):
        draft = make_partnership(state="draft")
        assert client.get(draft.get_absolute_url()).status_code == 404

    def test_unknown_slug_is_not_found(self, client, db):
        assert client.get("/en/partnerships/no-such-pair/").status_code == 404


class TestPartnershipList:
    def test_lists_published_only(self, client, make_partnership, make_city):
        make_partnership(city_a=make_city(name="Berlin"), city_b=make_city(name="Beijing"))
        make_partnership(
            city_a=make_city(name="Secretville"),
            city_b=make_city(name="Hidden"),
            state="draft",
        )
        response = client.get(reverse("partnership_list"))
        assertContains(response, "Berlin – Beijing")
        assertNotContains(response, "Secretville")
        assertContains(response, "1 partnership found")

    @pytest.mark.parametrize(
        ("query", "expected", "not_expected"),
        [
            ("q=dres", "Dresden", "Berlin"),
            ("q=hygiene", "Dresden", "Berlin"),
            ("country=CN", "Berlin", "Lyon"),
            ("city=hangzhou", "Dresden", "Berlin"),
            ("focus_area=judiciary", "Berlin", "Dresden"),
            ("kind=friendship", "Lyon", "Berlin"),
            ("status=dormant", "Lyon", "Dresden"),
            ("established_from=1990&established_to=2000", "Berlin", "Dresden"),
        ],
    )
    def test_filters(
        self, client, make_city, make_partnership, make_focus_area, query, expected, not_expected
    ):
        judiciary = make_focus_area(name="Judiciary", slug="judiciary")
        make_partnership(
            city_a=make_city(name="Dresden"),
            city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
            summary="Refurbishing the pavilion of the 1911 Hygiene Exhibition.",
            established=datetime.date(2009, 10, 16),
        )
        make_partnership(
            city_a=make_city(name="Berlin"),
            city_b=make_city(name="Beijing", country="CN"),
            established=datetime.date(1994, 4, 1),
            focus_areas=[judiciary],
        )
        make_partnership(
            city_a=make_city(name="Lyon", country="FR"),
            city_b=make_city(name="Leipzig"),
            kind=Partnership.Kind.FRIENDSHIP,
            status=Partnership.Status.DORMANT,
            established=None,
        )
        response = client.get(f"{reverse('partnership_list')}?{query}")
        assertContains(response, expected)
        assertNotContains(response, not_expected)

    def test_sorting_by_founding_year(self, client, make_city, make_partnership):
        make_partnership(city_a=make_city(name="Alpha"), established=datetime.date(2001, 1, 1))
        make_partnership(city_a=make_city(name="Omega"), established=datetime.date(1960, 1, 1))
        html = client.get(reverse("partnership_list") + "?sort=established").content.decode()
        assert html.index("Omega") < html.index("Alpha")
        html = client.get(reverse("partnership_list") + "?sort=-established").content.decode()
        assert html.index("Alpha") < html.index("Omega")

    @pytest.mark.parametrize(
        "query",
        [
            "established_from=abc",
            "established_from=99999",
            "country=XX",
            "focus_area=nope",
            "sort=password",
            "q=" + "x" * 5000,
        ],
    )
    def test_nonsense_filters_give_a_message_not_an_error(self, client, make_partnership, query):
        make_partnership()
        response = client.get(f"{reverse('partnership_list')}?{query}")
        assert response.status_code == 200
        assertContains(response, 'class="error"')

    def test_paginates(self, client, make_partnership):
        for _ in range(21):
            make_partnership()
        first = client.get(reverse("partnership_list"))
        assertContains(first, "Page 1 of 2")
        assertContains(first, 'rel="next"')
        assert client.get(reverse("partnership_list") + "?page=2").status_code == 200
        assert client.get(reverse("partnership_list") + "?page=3").status_code == 404


class TestTopicPage:
    def test_lists_published_partnerships_and_activities(
        self, client, make_focus_area, make_partnership, make_activity
    ):
        flood = make_focus_area(name="Flood protection", slug="flood-protection")
        shown = make_partnership(focus_areas=[flood])
        hidden = make_partnership(focus_areas=[flood], state="draft")
        make_activity(shown, title="Elbe flood seminar", focus_areas=[flood])
        make_activity(hidden, title="Secret drill", focus_areas=[flood])
        # Counted as all the focus area's activities less the unpublished partnerships' ones.
        make_activity(make_partnership(state="in_review"), focus_areas=[flood])
        make_activity(shown, title="Choir visit")  # of the partnership, not of the focus area
        response = client.get(flood.get_absolute_url())
        assertContains(response, "<h1>Flood protection</h1>", html=True)
        assert response.context["activity_count"] == 1
        # From the kept figure of the focus area's published partnerships.
        assert response.context["partnership_count"] == 1
        assertContains(response, shown.title)
        assertContains(response, "Elbe flood seminar")
        assertNotContains(response, hidden.title)
        assertNotContains(response, "Secret drill")

    def test_the_activity_count_shows_every_edit_on_the_next_request(
        self, client, make_focus_area, make_partnership, make_activity
    ):
        """From the kept figure of the focus area's published activities (models/figures.py),
        which the triggers change in the same transaction as the edit."""
        flood, other = make_focus_area(slug="flood"), make_focus_area(slug="other")
        shown, hidden = make_partnership(), make_partnership(state="draft")
        seminar = make_activity(shown, focus_areas=[flood])
        drill = make_activity(hidden, focus_areas=[flood])

        def count():
            return client.get(flood.get_absolute_url()).context["activity_count"]

        assert count() == 1
        seminar.focus_areas.add(other)
        make_activity(shown, focus_areas=[flood, other])
        assert count() == 2
        hidden.state = Partnership.State.PUBLISHED
        hidden.save()
        assert count() == 3
        drill.focus_areas.remove(flood)
        assert count() == 2
        Activity.objects.filter(pk=seminar.pk).update(partnership=make_partnership(state="draft"))
        assert count() == 1
        shown.delete()
        assert count() == 0
        assert client.get(other.get_absolute_url()).context["activity_count"] == 0


class TestActivityList:
    def test_counts_every_published_activity_from_the_kept_figures(
        self, client, make_partnership, make_activity
    ):
        shown, hidden = make_partnership(), make_partnership(state="draft")
        for partnership in (shown, hidden):
            for year in range(2000, 2018):
                make_activity(partnership, start_date=datetime.date(year, 1, 1))
            for _ in range(3):
                make_activity(partnership, start_date=None)  # in no year's figure
        first = client.get(reverse("activity_list"))
        assertContains(first, "21 activities found")
        assertContains(first, "Page 1 of 2")
        assert client.get(reverse("activity_list"), {"page": 2}).context["activities"]

        hidden.state = Partnership.State.PUBLISHED
        hidden.save()
        assertContains(client.get(reverse("activity_list")), "42 activities found")
        # The dated ones as the figures hold them (a rebuild puts them right).
        ActivityYearFigure.objects.filter(year=2000).update(n=5)
        assertContains(client.get(reverse("activity_list")), "45 activities found")

    def test_counts_the_past_ones_from_the_kept_figures_less_the_upcoming_ones(
        self, client, make_partnership, make_activity
    ):
        shown, hidden = make_partnership(), make_partnership(state="draft")
        day = DatePrecision.DAY
        for partnership in (shown, hidden):
            make_activity(partnership, start_date=datetime.date(2010, 1, 1))
            make_activity(partnership, start_date=future(-3), start_precision=day)
            make_activity(partnership, start_date=future(30), start_precision=day)
            # Under way since long ago: upcoming, not past.
            make_activity(
                partnership,
                start_date=future(-400),
                start_precision=day,
                end_date=future(5),
                end_precision=day,
            )
            make_activity(partnership, start_date=None)

        def past(counted=True):
            response = client.get(reverse("activity_list"), {"when": "past"})
            filterset = response.context["filter"]
            if counted:
                assert filterset.figure_count() == filterset.qs.count_published()
            return response

        assertContains(past(), "2 activities found")
        hidden.state = Partnership.State.PUBLISHED
        hidden.save()
        assertContains(past(), "4 activities found")
        # The dated ones as the figures hold them (a rebuild puts them right).
        ActivityYearFigure.objects.filter(year=2010).update(n=5)
        assertContains(past(counted=False), "7 activities found")
        response = client.get(reverse("activity_list"), {"when": "past", "kind": "exchange"})
        assertContains(response, "4 activities found")

    def test_counts_a_focus_area_alone_from_its_kept_figure(
        self, client, make_focus_area, make_partnership, make_activity
    ):
        flood, other = make_focus_area(slug="flood"), make_focus_area(slug="other")
        shown, hidden = make_partnership(), make_partnership(state="draft")
        for partnership in (shown, hidden):
            make_activity(partnership, focus_areas=[flood])
            make_activity(partnership, focus_areas=[flood, other])
        make_activity(shown, focus_areas=[other])
        assertContains(
            client.get(reverse("activity_list"), {"focus_area": "flood"}), "2 activities found"
        )
        hidden.state = Partnership.State.PUBLISHED
        hidden.save()
        assertContains(
            client.get(reverse("activity_list"), {"focus_area": "flood"}), "4 activities found"
        )
        # The count the figure holds (a rebuild puts it right); with another filter, counted.
        FocusAreaActivityFigure.objects.filter(focus_area=flood).update(n=9)
        assertContains(
            client.get(reverse("activity_list"), {"focus_area": "flood"}), "9 activities found"
        )
        response = client.get(reverse("activity_list"), {"focus_area": "flood", "when": "past"})
        assertNotContains(response, "9 activities found")

    def test_lists_activities_of_published_partnerships(
        self, client, make_partnership, make_activity
    ):
        make_activity(make_partnership(), title="Film week")
        make_activity(make_partnership(state="draft"), title="Draft exhibition")
        make_activity(make_partnership(state="in_review"), title="Reviewed exhibition")
        response = client.get(reverse("activity_list"))
        assertContains(response, "Film week")
        assertNotContains(response, "Draft exhibition")
        assertNotContains(response, "Reviewed exhibition")
        # Counted as all the activities less the unpublished partnerships' ones.
        assertContains(response, "1 activity found")

    def test_shows_each_activitys_focus_areas(
        self, client, make_partnership, make_activity, make_focus_area
    ):
        sport, culture = make_focus_area(name="Sport"), make_focus_area(name="Culture")
        make_activity(make_partnership(), title="Match", focus_areas=[sport, culture])
        make_activity(make_partnership(), title="Untagged")
        response = client.get(reverse("activity_list"))
        assertContains(
            response,
            f'<p class="tags"><a class="tag" href="{culture.get_absolute_url()}">Culture</a>'
            f'<a class="tag" href="{sport.get_absolute_url()}">Sport</a></p>',
        )
        assertContains(response, '<p class="tags">', count=1)

    def test_counts_the_filtered_published_activities(
        self, client, make_partnership, make_activity
    ):
        shown, hidden = make_partnership(), make_partnership(state="draft")
        for partnership in (shown, hidden):
            make_activity(partnership, kind=Activity.Kind.FESTIVAL)
            make_activity(partnership, kind=Activity.Kind.FESTIVAL)
            make_activity(partnership, kind=Activity.Kind.SEMINAR)
        response = client.get(reverse("activity_list"), {"kind": "festival"})
        assertContains(response, "2 activities found")

    @pytest.mark.parametrize(
        ("query", "expected", "not_expected"),
        [
            ("when=upcoming", "Next festival", "Old seminar"),
            ("when=past", "Old seminar", "Next festival"),
            ("kind=festival", "Next festival", "Old seminar"),
            ("date_from=2010-01-01&date_to=2010-12-31", "Old seminar", "Next festival"),
            ("focus_area=culture", "Next festival", "Old seminar"),
            ("city=dresden", "Old seminar", "Next festival"),
        ],
    )
    def test_filters(
        self,
        client,
        make_city,
        make_partnership,
        make_activity,
        make_focus_area,
        query,
        expected,
        not_expected,
    ):
        culture = make_focus_area(name="Culture", slug="culture")
        dresden = make_partnership(city_a=make_city(name="Dresden", slug="dresden"))
        other = make_partnership()
        make_activity(
            dresden,
            title="Old seminar",
            kind=Activity.Kind.SEMINAR,
            start_date=datetime.date(2010, 1, 1),
        )
        make_activity(
            other,
            title="Next festival",
            kind=Activity.Kind.FESTIVAL,
            start_date=future(40),
            focus_areas=[culture],
        )
        response = client.get(f"{reverse('activity_list')}?{query}")
        assertContains(response, expected)
        assertNotContains(response, not_expected)

    def test_one_partnership_only(self, client, make_partnership, make_activity):
        chosen, other = make_partnership(), make_partnership()
        make_activity(chosen, title="Chosen seminar")
        make_activity(other, title="Other seminar")
        response = client.get(reverse("activity_list"), {"partnership": chosen.slug})
        assertContains(response, "Chosen seminar")
        assertNotContains(response, "Other seminar")
        assertContains(response, f'<a href="{chosen.get_absolute_url()}">{chosen.title}</a>')

    @pytest.mark.parametrize("state", ["draft", None])
    def test_an_unknown_or_unpublished_partnership_is_named_in_an_error(
        self, client, make_partnership, make_activity, state
    ):
        slug = make_partnership(state=state).slug if state else "no-such-pair"
        response = client.get(reverse("activity_list"), {"partnership": slug})
        assert response.status_code == 200
        assertContains(response, f"There is no published partnership “{slug}”.")
        assertContains(response, "0 activities found")

    def test_bad_date_is_a_form_error(self, client, db):
        response = client.get(reverse("activity_list") + "?date_from=yesterday")
        assert response.status_code == 200
        assertContains(response, "Enter a valid date")


class TestFilterPanel:
    def test_filters_stay_folded_so_results_come_first(self, client, db):
        # Folded on a phone, also once used (issue 21); from 40rem the stylesheet shows them.
        folded = client.get(reverse("partnership_list")).content.decode()
        assert '<details class="filters-panel">' in folded
        assert "Any country" in folded  # empty choices are named, not dashes
        used = client.get(reverse("partnership_list") + "?kind=friendship&q=x").content.decode()
        assert '<details class="filters-panel">' in used
        # Open only to show a mistake.
        wrong = client.get(reverse("partnership_list") + "?established_from=abc").content.decode()
        assert '<details class="filters-panel" open>' in wrong


def test_each_participant_line_stays_on_its_own_line(client, make_partnership, make_milestone):
    partnership = make_partnership()
    make_milestone(partnership, participants="The Magistrat of East Berlin\nIts counterpart")
    response = client.get(partnership.get_absolute_url())
    assertContains(response, "The Magistrat of East Berlin<br>Its counterpart")


class TestPageRelations:
    """prefetch_page(): what for_page() and with_public_contacts() bring, reading only the
    relations that have rows (issue 23)."""

    RELATIONS = ("focus_areas", "milestones", "sources", "figures", "pictures", "documents")

    def loaded(self, partnership, django_assert_num_queries):
        """Everything the page reads of the partnership, and that reading it costs no query."""
        with django_assert_num_queries(0):
            return {
                **{name: list(getattr(partnership, name).all()) for name in self.RELATIONS},
                "plans": [(plan, list(plan.activities.all())) for plan in partnership.plans.all()],
                "public_contacts": list(partnership.public_contacts),
                "city_figures": [list(city.figures.all()) for city in partnership.cities],
            }

    def both_ways(self, partnership, django_assert_num_queries, queries):
        old = Partnership.objects.for_page().with_public_contacts().get(pk=partnership.pk)
        new = Partnership.objects.select_related("city_a", "city_b").get(pk=partnership.pk)
        with django_assert_num_queries(queries):
            assert prefetch_page(new, public_contacts=True) is new
        return (
            self.loaded(old, django_assert_num_queries),
            self.loaded(new, django_assert_num_queries),
        )

    def test_a_full_partnership_the_same_as_for_page(
        self,
        dresden_hangzhou,
        make_milestone,
        make_source,
        make_partnership_figure,
        make_plan,
        make_activity,
        make_city_figure,
        django_assert_num_queries,
    ):
        partnership = dresden_hangzhou
        make_milestone(partnership, title="Agreement", date=D(2009, 10, 16))
        make_source(partnership, title="City archive")
        make_partnership_figure(partnership, label="Exchanges", value=12)
        plan = make_plan(partnership, title="Youth exchange")
        plan.activities.add(make_activity(partnership, title="Visit"))
        Picture.objects.create(partnership=partnership, image="p/1.jpg", alt="A", credit="Me")
        Document.objects.create(partnership=partnership, file="d/1.pdf", title="Deed", size=9)
        for is_public in (True, False):
            Contact.objects.create(
                partnership=partnership,
                role=Contact.Role.OFFICE,
                city=partnership.city_a,
                organisation=f"Office {is_public}",
                is_public=is_public,
            )
        make_city_figure(partnership.city_b, label="Students", value=5)
        # Which have rows; the focus areas, milestones, sources, figures, pictures,
        # documents, plans and their activities, public contacts; both cities' figures.
        old, new = self.both_ways(partnership, django_assert_num_queries, 11)
        assert new == old
        assert all(new[name] for name in self.RELATIONS)
        assert [contact.organisation for contact in new["public_contacts"]] == ["Office True"]
        assert [len(figures) for figures in new["city_figures"]] == [0, 1]

    def test_an_empty_partnership_costs_one_query(
        self, make_partnership, django_assert_num_queries
    ):
        partnership = make_partnership()
        old, new = self.both_ways(partnership, django_assert_num_queries, 1)
        assert new == old
        assert not any(new[name] for name in self.RELATIONS)
        assert new["city_figures"] == [[], []]
        # Left empty without a query, and empty still when narrowed.
        loaded = prefetch_page(Partnership.objects.select_related("city_a", "city_b").get())
        with django_assert_num_queries(0):
            assert not loaded.sources.filter(title="x")
            assert loaded.milestones.count() == 0

    def test_a_full_page_reads_a_fixed_number_of_queries(
        self, client, dresden_hangzhou, make_milestone, make_plan, make_activity,
        make_focus_area, django_assert_num_queries,
    ):  # fmt: skip
        # Its activities as rows (listed_activities()) and their focus areas' (rows made one
        # instance per area) read nothing more per activity, whichever language.
        partnership, sport = dresden_hangzhou, make_focus_area(name="Sport", slug="sport")
        make_milestone(partnership, title="Agreement")
        plan = make_plan(partnership, title="Youth exchange")

        def add(n):
            for i in range(n):
                activity = make_activity(
                    partnership,
                    start_date=D(2010 + i, 1, 1) if i % 3 else None,
                    focus_areas=[sport, *partnership.focus_areas.all()][: 1 + i % 2],
                    location="Dresden",
                    participants="Pupils",
                )
                plan.activities.add(activity)

        # The partnership, which relations have rows, the focus areas, milestones, plans and
        # their activities, the activities' dates, those shown, their focus areas.
        add(2)
        for language in ("en", "de"):
            with django_assert_num_queries(9):
                response = client.get(
                    partnership.get_absolute_url().replace("/en/", f"/{language}/")
                )
            assert response.status_code == 200
        add(5)
        with django_assert_num_queries(9):
            response = client.get(partnership.get_absolute_url())
        assertContains(response, '/topics/sport/">Sport</a>', count=7)

    def test_an_empty_partnership_page_reads_no_empty_relation(
        self, client, make_partnership, django_assert_num_queries
    ):
        partnership = make_partnership()
        # The partnership, which relations have rows, the activities' dates (which tell the
        # years with a record too).
        with django_assert_num_queries(3):
            response = client.get(partnership.get_absolute_url())
        assert response.status_code == 200
