"""choice_text() gives what str(choice_label()) gives, in every language (core/choices.py)."""

import pytest
from django.utils import translation

from core.choices import choice_label, choice_text
from partnerships.models import Activity, Partnership


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize(
    "choices", [Partnership.Kind, Partnership.Status, Partnership.Vitality, Activity.Kind]
)
def test_choice_text_is_the_labels_text_in_the_active_language(choices, language):
    with translation.override(language):
        for value in [*choices.values, "no-such-value", ""]:
            assert choice_text(choices, value) == str(choice_label(choices, value))
            assert type(choice_text(choices, value)) is str
