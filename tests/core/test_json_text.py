"""core.json_text.dumps_indented(): json.dumps(…, DjangoJSONEncoder, ensure_ascii=False,
indent=1), character for character."""

import datetime
import decimal
import enum
import json
import random
import uuid

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy

from core.json_text import dumps_indented


def stdlib(value):
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)


class Kind(models.TextChoices):
    TWINNING = "twinning", "Twinning"


class Number(enum.IntEnum):
    ONE = 1


VALUES = [
    None,
    True,
    False,
    0,
    -12,
    10**30,
    1.5,
    -0.0,
    1e300,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    'Ünïcødé 北京 "quoted" back\\slash\n\t\x00\x1f\x7f\u2028 </script>',
    [],
    {},
    (),
    [[], {}, [[]], {"a": {}}],
    {"z": 1, "a": [1, 2, {"b": None}], "m": {"n": [True, False]}},
    {2: "int", 2.5: "float", True: "true", False: "false", None: "null", "s": "str"},
    (1, "two", [3]),
    datetime.date(2019, 5, 1),
    datetime.datetime(2019, 5, 1, 12, 30, 15, 123456, tzinfo=datetime.UTC),
    datetime.time(12, 30),
    datetime.timedelta(days=1, seconds=5),
    decimal.Decimal("52.520008"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    gettext_lazy("Twinning / sister cities"),
    Kind.TWINNING,
    Number.ONE,
    {"kind": Kind.TWINNING, "n": Number.ONE, "when": [datetime.date(2000, 1, 1)]},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_same_text_as_json_dumps(value):
    assert dumps_indented(value) == stdlib(value)
    assert dumps_indented([value, {"k": value}]) == stdlib([value, {"k": value}])


def _random_value(rng, depth):
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(
            [None, True, False, rng.randint(-(10**6), 10**6), rng.random() * 1e6, "",
             "".join(chr(rng.randint(0, 0x3000)) for _ in range(rng.randint(0, 8))),
             datetime.date(2000, 1, rng.randint(1, 28)), decimal.Decimal(rng.randint(0, 999)) / 7]
        )  # fmt: skip
    if rng.random() < 0.5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {f"k{i}": _random_value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def test_random_documents():
    rng = random.Random(23)
    for _ in range(500):
        value = _random_value(rng, 0)
        assert dumps_indented(value) == stdlib(value)


def test_a_key_json_refuses_is_refused():
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): "tuple"})
