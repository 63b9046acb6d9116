"""A query compiled once (core/compiled_rows.py): the rows or instances its queryset gives,
converted alike, read afresh on every call."""

import datetime

import pytest
from django.db.models import F
from django.utils import translation

from core import compiled_rows
from core.compiled_rows import SLOT, CompiledInstances, CompiledObjects, CompiledRows, compiled
from core.translated import translated
from partnerships.models import Activity, Partnership, Plan

pytestmark = pytest.mark.django_db


def test_rows_are_the_querysets_own_and_read_afresh(make_partnership, make_activity):
    pair = make_partnership()
    make_activity(pair, title="Concert", title_de="Konzert", start_date=datetime.date(2027, 5, 1))
    make_activity(
        pair,
        title="Exchange",
        start_date=datetime.date(2027, 1, 1),
        start_precision="year",
        end_date=datetime.date(2028, 12, 31),
        end_precision="year",
    )
    with translation.override("de"):
        rows = (
            Activity.objects.order_by("start_date", "id")
            .rewrite(False)
            .values_list(
                "pk",
                "start_date",
                "end_date",
                "upcoming_until",
                translated("title"),
                "partnership__slug",
                F("created_at"),
            )
        )
        compiled = CompiledRows(rows)
    expected = list(rows.all())
    assert compiled.rows() == expected
    assert all(isinstance(row, tuple) for row in compiled.rows())
    assert expected[1][1:5] == (
        datetime.date(2027, 5, 1),
        None,
        datetime.date(2027, 5, 1),
        "Konzert",
    )
    Activity.objects.filter(title="Concert").update(title_de="Chorkonzert")
    assert compiled.rows()[1][4] == "Chorkonzert"


def test_objects_are_the_querysets_own_and_read_afresh(
    make_partnership, make_city, make_focus_area, django_assert_num_queries
):
    pair = make_partnership(
        city_a=make_city(name="Aachen"), is_featured=True, focus_areas=[make_focus_area()]
    )
    make_partnership(city_a=make_city(name="Zwickau"), is_featured=True)
    partnerships = (
        Partnership.objects.filter(is_featured=True)
        .select_related("city_a", "city_b")
        .for_cards()
        .order_by("city_a__name")
    )
    compiled = CompiledObjects(partnerships)
    expected = list(partnerships.all())
    # The instances, their cities (select_related) and focus areas (the iterable class's):
    # the same query and the focus areas' query.
    with django_assert_num_queries(2):
        found = compiled.objects()
        assert [(p.pk, p.city_a.name, p.focus_area_rows) for p in found] == [
            (p.pk, p.city_a.name, p.focus_area_rows) for p in expected
        ]
    assert found[0].focus_area_rows
    Partnership.objects.filter(pk=pair.pk).update(is_featured=False)
    assert [p.city_a.name for p in compiled.objects()] == ["Zwickau"]


def test_a_slot_is_filled_with_the_key_given_to_each_call(make_partnership):
    first, second = make_partnership(), make_partnership()
    compiled = CompiledRows(
        Partnership.objects.rewrite(False).filter(pk=SLOT).values_list("pk", "slug")
    )
    assert compiled.names == ["pk", "slug"]
    assert compiled.rows(first.pk) == [(first.pk, first.slug)]
    assert compiled.rows(second.pk) == [(second.pk, second.slug)]


def test_instances_with_variables_are_the_querysets_own_and_read_afresh(
    make_partnership, make_activity, make_plan, make_focus_area
):
    """CompiledInstances: the instances a model queryset gives (select_related()'s objects, the
    instance a related manager knows), for another value of its variable, read afresh."""
    area = make_focus_area(name="Culture")
    first, second = make_partnership(), make_partnership()
    make_plan(first, title="Choir", focus_area=area)
    make_plan(second, title="Library", focus_area=area)
    make_plan(second, title="Museum")

    def plans(partnership):
        return partnership.plans.select_related("focus_area")

    compiled = CompiledInstances(plans(first), [first.pk])
    for partnership in (first, second):
        queryset = plans(partnership)
        expected = list(plans(partnership))
        found = compiled.instances([partnership.pk], queryset)
        assert [plan.pk for plan in found] == [plan.pk for plan in expected]
        assert [plan.__dict__.keys() for plan in found] == [p.__dict__.keys() for p in expected]
        assert [plan.title for plan in found] == [plan.title for plan in expected]
        assert [plan.focus_area for plan in found] == [plan.focus_area for plan in expected]
        assert all(plan.partnership is partnership for plan in found)
    Plan.objects.filter(title="Museum").update(title="Gallery")
    assert [plan.title for plan in compiled.instances([second.pk])] == ["Library", "Gallery"]


def test_compiled_is_kept_by_key_and_language_and_runs_through_the_orm_when_unsure(
    make_partnership, make_activity
):
    pair = make_partnership()
    make_activity(pair, title="Concert", title_de="Konzert")
    built = []

    def titles():
        built.append(translation.get_language())
        return Activity.objects.rewrite(False).filter(partnership=pair).values_list("title_de")

    for language in ("en", "de", "en"):
        with translation.override(language):
            assert compiled(CompiledRows, ("test",), titles, [pair.pk]).rows(values=[pair.pk]) == [
                ("Konzert",)
            ]
    assert built == ["en", "de"]
    # The value is also another parameter's: its place is not plain, the ORM runs the query.
    both = Activity.objects.rewrite(False).filter(partnership=pair.pk, pk=pair.pk).values_list("pk")
    assert compiled(CompiledRows, ("test both",), lambda: both, [pair.pk]).rows() == list(both)
    assert ("test both",) not in {key[1:2] for key in compiled_rows._KEPT}


def test_instances_are_made_as_from_db_makes_them_and_by_it_when_a_signal_listens(
    make_partnership,
):
    """CompiledInstances makes a translated model's instances (and select_related()'s) without
    the constructor: the same values, state and translated attributes as the ORM's; with a
    pre_init or post_init receiver connected, through from_db(), so that it is called."""
    from django.db.models.signals import post_init

    make_partnership(), make_partnership()

    def partnerships():
        return Partnership.objects.select_related("city_a", "city_b").order_by("pk")

    def state(instance):
        values = {key: value for key, value in vars(instance).items() if key != "_state"}
        return values, instance._state.adding, instance._state.db

    compiled = CompiledInstances(partnerships())
    for language in ("en", "de"):
        with translation.override(language):
            found, expected = compiled.instances(), list(partnerships())
            assert [state(p) for p in found] == [state(p) for p in expected]
            assert [state(p.city_a) for p in found] == [state(p.city_a) for p in expected]
            assert [p.title for p in found] == [p.title for p in expected]
    keys, made = [p.pk for p in partnerships()], []

    def count(sender, instance, **kwargs):
        made.append(instance.pk)

    post_init.connect(count, sender=Partnership)
    try:
        assert [p.pk for p in compiled.instances()] == keys
    finally:
        post_init.disconnect(count, sender=Partnership)
    assert made == keys
