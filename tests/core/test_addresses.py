"""core/addresses.py: a page's address from one reverse() per pattern, the same as reverse()."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from core import addresses


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_records_addresses_are_reverses_in_each_language(
    db, language, make_partnership, make_focus_area
):
    partnership = make_partnership()
    topic = make_focus_area(name="Culture", slug="culture")
    with translation.override(language):
        for record, name in [
            (partnership, "partnership_detail"),
            (partnership.city_a, "city_detail"),
            (topic, "topic_detail"),
        ]:
            assert record.get_absolute_url() == reverse(name, kwargs={"slug": record.slug})
            assert record.get_absolute_url().startswith(f"/{language}/")


def test_an_address_is_reversed_once_per_language(monkeypatch):
    monkeypatch.setattr(addresses, "_slug_addresses", {})
    reversed_names = []
    real = addresses.reverse
    monkeypatch.setattr(
        addresses, "reverse", lambda name, **kw: reversed_names.append(name) or real(name, **kw)
    )
    for slug in ("berlin-beijing", "paris-rome", "berlin-beijing"):
        for language in ("en", "de"):
            with translation.override(language):
                expected = f"/{language}/partnerships/{slug}/"
                assert addresses.address_for("partnership_detail", slug) == expected
    assert reversed_names == ["partnership_detail", "partnership_detail"]


def test_a_site_under_a_path_prefix_gets_its_own_addresses():
    """A second site mounted under /twinning/ in the same process (SCRIPT_NAME)."""
    assert addresses.address_for("city_detail", "lyon-fr") == "/en/cities/lyon-fr/"
    set_script_prefix("/twinning/")
    try:
        assert addresses.address_for("city_detail", "lyon-fr") == "/twinning/en/cities/lyon-fr/"
    finally:
        clear_script_prefix()
    assert addresses.address_for("city_detail", "lyon-fr") == "/en/cities/lyon-fr/"


def test_a_record_without_a_slug_has_no_address():
    with pytest.raises(NoReverseMatch):
        addresses.address_for("partnership_detail", "")


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_slug_url_tag_writes_what_the_url_tag_writes(language):
    from django.template import Context, Template

    tags = Template("{% load language_tags %}{% slug_url 'city_detail' slug %}")
    builtin = Template("{% url 'city_detail' slug=slug %}")
    with translation.override(language):
        for slug in ("lyon-fr", "xian-cn"):
            context = Context({"slug": slug})
            assert tags.render(context) == builtin.render(context) == f"/{language}/cities/{slug}/"
