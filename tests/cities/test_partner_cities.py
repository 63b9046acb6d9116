"""Partner cities nobody looks after: the office that recorded the partnership fills them in.

Hamburg's editor records Hamburg–Shanghai; Shanghai, new and empty, has no staff of its own, so
Hamburg's office may complete its profile. Once Shanghai has staff, only they may. A city that
is not Hamburg's partner stays out of reach, as does an unattended partner of another city.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from cities.models import City
from twinning.roles import EDITOR, setup_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_city, make_partnership):
    setup_roles()
    hamburg = make_city(name="Hamburg", slug="hamburg")
    shanghai = make_city(name="Shanghai", slug="shanghai", country="CN", summary="")
    berlin = make_city(name="Berlin", slug="berlin")
    beijing = make_city(name="Beijing", slug="beijing", country="CN")
    make_partnership(city_a=hamburg, city_b=shanghai, state="draft")
    make_partnership(city_a=berlin, city_b=beijing, state="published")
    editor = get_user_model().objects.create_user(
        "hamburg-editor", password="x-Very-long-pass-42", is_staff=True
    )
    editor.groups.add(Group.objects.get(name=EDITOR))
    hamburg.staff.add(editor)
    return {"hamburg": hamburg, "shanghai": shanghai, "beijing": beijing, "editor": editor}


def change_url(city):
    return reverse("admin:cities_city_change", args=[city.pk])


def fill_in(client, city, summary):
    from tests.partnerships.test_history import posted
    from tests.translations import in_english

    data = posted(client.get(change_url(city)))
    data.update(in_english(City, {"summary": summary}))
    return client.post(change_url(city), data)


def test_the_office_fills_in_its_unattended_partner_city(client, world):
    client.force_login(world["editor"])
    listed = client.get(reverse("admin:cities_city_changelist")).context["cl"].result_list
    assert {city.name for city in listed} == {"Hamburg", "Shanghai"}

    assert fill_in(client, world["shanghai"], "China's largest city.").status_code == 302
    world["shanghai"].refresh_from_db()
    assert world["shanghai"].summary == "China's largest city."


def test_once_the_partner_city_has_staff_only_they_change_it(client, world, django_user_model):
    shanghai = world["shanghai"]
    shanghai.staff.add(django_user_model.objects.create_user("shanghai-editor", is_staff=True))
    client.force_login(world["editor"])
    assert client.get(change_url(shanghai)).status_code == 404
    listed = client.get(reverse("admin:cities_city_changelist")).context["cl"].result_list
    assert {city.name for city in listed} == {"Hamburg"}


def test_another_city_s_unattended_partner_stays_out_of_reach(client, world):
    client.force_login(world["editor"])
    assert client.get(change_url(world["beijing"])).status_code == 404
    assert client.post(change_url(world["beijing"]), {"summary_en": "Not ours."}).status_code == 404
