"""Anniversaries as visitors and staff see them: computed from the founding date, never typed."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.anniversaries import Jubilee
from twinning.roles import EDITOR, setup_roles

pytestmark = pytest.mark.django_db


def founded_years_ago(years, **kwargs):
    """A month-precise founding this month, `years` ago: its jubilee is this month."""
    today = timezone.localdate()
    return {
        "established": datetime.date(today.year - years, today.month, 1),
        "established_precision": "month",
        **kwargs,
    }


def this_month_display():
    today = timezone.localdate()
    return Jubilee(None, 0, today.replace(day=1), "month").date_display


def test_the_partnership_page_announces_its_next_jubilee(client, make_partnership):
    partnership = make_partnership(**founded_years_ago(25))
    response = client.get(partnership.get_absolute_url())
    assertContains(response, f"25th anniversary: {this_month_display()}")


@pytest.mark.parametrize("status", ["ended", "proposed"])
def test_an_ended_or_proposed_partnership_has_nothing_to_celebrate(
    client, make_partnership, status
):
    partnership = make_partnership(status=status, **founded_years_ago(25))
    assertNotContains(client.get(partnership.get_absolute_url()), "anniversary:")
    assertNotContains(client.get(reverse("anniversary_list")), partnership.title)


def test_no_founding_date_no_jubilee_line(client, make_partnership):
    partnership = make_partnership(established=None)
    assertNotContains(client.get(partnership.get_absolute_url()), "anniversary:")


class TestAnniversaryPage:
    def test_lists_published_jubilees_of_the_coming_year(self, client, make_partnership, make_city):
        jubilee = make_partnership(city_a=make_city(name="Dresden"), **founded_years_ago(25))
        make_partnership(
            city_a=make_city(name="Secretville"), state="draft", **founded_years_ago(10)
        )
        make_partnership(city_a=make_city(name="Oddyear"), **founded_years_ago(23))
        response = client.get(reverse("anniversary_list"))
        assertContains(response, "1 anniversary")
        assertContains(response, f"25th anniversary</strong>, {this_month_display()}")
        assertContains(response, f'<a href="{jubilee.get_absolute_url()}">{jubilee.title}</a>')
        assertNotContains(response, "Secretville")
        assertNotContains(response, "Oddyear")

    def test_paginates_in_the_database(
        self, client, make_partnership, django_assert_max_num_queries
    ):
        for years in range(5, 5 * 23, 5):
            make_partnership(**founded_years_ago(years))
        with django_assert_max_num_queries(2):  # count and page, however many there are
            response = client.get(reverse("anniversary_list"))
        assertContains(response, "22 anniversaries")
        assertContains(response, "Page 1 of 2")
        second = client.get(reverse("anniversary_list") + "?page=2")
        # All fall this month, so the order among them is the partnerships' names: which two
        # are on page 2 depends on those, but together the pages list each jubilee once.
        shown = [
            re.findall(r"<strong>(\d+)th anniversary</strong>", page.content.decode())
            for page in (response, second)
        ]
        assert [len(on_page) for on_page in shown] == [20, 2]
        assert sorted(int(years) for on_page in shown for years in on_page) == list(
            range(5, 5 * 23, 5)
        )

    def test_an_empty_year_says_so(self, client, db):
        assertContains(client.get(reverse("anniversary_list")), "No published partnership")

    def test_the_home_page_links_to_it(self, client, make_partnership):
        make_partnership(**founded_years_ago(30))
        response = client.get(reverse("home"))
        assertContains(response, f"30th anniversary, {this_month_display()}")
        assertContains(response, f'href="{reverse("anniversary_list")}"')


class TestStaffSeeTheirCitiesJubilees:
    @pytest.fixture
    def editor(self, client, make_city, make_partnership):
        setup_roles()
        dresden = make_city(name="Dresden")
        user = get_user_model().objects.create_user(
            "dresden-editor", password="x-Very-long-pass-42", is_staff=True
        )
        user.groups.add(Group.objects.get(name=EDITOR))
        user.assigned_cities.add(dresden)
        client.force_login(user)
        return dresden

    def test_the_admin_home_lists_their_partnerships_jubilees_only(
        self, client, editor, make_city, make_partnership
    ):
        ours = make_partnership(city_a=editor, state="draft", **founded_years_ago(15))
        make_partnership(city_a=make_city(name="Elsewhere"), **founded_years_ago(15))
        response = client.get(reverse("admin:index"))
        assertContains(response, "Anniversaries in the coming year")
        change = reverse("admin:partnerships_partnership_change", args=[ours.pk])
        assertContains(response, f'<a href="{change}">{ours.title}</a>')
        assertContains(response, f"15th anniversary, {this_month_display()}")
        assertNotContains(response, "Elsewhere")

    def test_nothing_coming_says_so(self, client, editor):
        response = client.get(reverse("admin:index"))
        assertContains(response, "None of your partnerships has a round anniversary")


class TestChineseDatesKnownToTheYear:
    """A year alone reads "2002年" in Chinese, as "2002年5月" does; the punctuation between the
    parts of a line is full-width."""

    NEW_STRINGS = {
        ", %(date)s:": "，%(date)s：",
        "(founded %(date)s)": "（建立于%(date)s）",
    }

    @pytest.fixture
    def founded(self, make_partnership, make_city, catalogue):
        catalogue("zh-hans", self.NEW_STRINGS)
        catalogue(
            "de", {", %(date)s:": ", %(date)s:", "(founded %(date)s)": "(gegründet %(date)s)"}
        )
        year = timezone.localdate().year - 25
        partnership = make_partnership(
            city_a=make_city(name="Dresden"),
            established=datetime.date(year, 1, 1),
            established_precision="year",
        )
        return partnership, year

    def test_the_partnership_page(self, client, founded):
        partnership, year = founded
        with translation.override("zh-hans"):
            page = client.get(partnership.get_absolute_url()).content.decode()
        assert f"始于{year}年" in page
        assert f"25周年：{year + 25}年" in page
        assert f"始于{year}<" not in page and f"：{year + 25}<" not in page

    def test_the_anniversary_page_and_the_home_page(self, client, founded):
        partnership, year = founded
        with translation.override("zh-hans"):
            page = client.get(reverse("anniversary_list")).content.decode()
            home = client.get(reverse("home")).content.decode()
            url = partnership.get_absolute_url()
        assert f'<strong>25周年</strong>，{year + 25}年： <a href="{url}">' in page
        assert f'<span class="meta">（建立于{year}年）</span>' in page
        assert f"25周年，{year + 25}年</li>" in home

    def test_german_keeps_its_own_punctuation(self, client, founded):
        partnership, year = founded
        with translation.override("de"):
            page = client.get(reverse("anniversary_list")).content.decode()
        assert f"<strong>25. Jubiläum</strong>, {year + 25}: <a " in page
        assert f'<span class="meta">(gegründet {year})</span>' in page
