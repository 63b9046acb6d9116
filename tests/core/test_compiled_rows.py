"""A values_list() query compiled once (core/compiled_rows.py): the rows its queryset gives,
converted alike, read afresh on every call."""

import datetime

import pytest
from django.db.models import F
from django.utils import translation

from core.compiled_rows import SLOT, CompiledRows
from core.translated import translated
from partnerships.models import Activity, Partnership

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


def test_a_slot_is_filled_with_the_key_given_to_each_call(make_partnership):
    first, second = make_partnership(), make_partnership()
    compiled = CompiledRows(
        Partnership.objects.rewrite(False).filter(pk=SLOT).values_list("pk", "slug")
    )
    assert compiled.names == ["pk", "slug"]
    assert compiled.rows(first.pk) == [(first.pk, first.slug)]
    assert compiled.rows(second.pk) == [(second.pk, second.slug)]
