"""A worker's warm-up before its first request (gunicorn.conf.py)."""

from django.conf import settings
from django.template import engines
from django.urls import get_resolver

from core.warmup import warm_up


def test_every_public_template_is_compiled_and_no_staff_one():
    names = warm_up()
    assert {"base.html", "twinning/home.html", "includes/map.html"} <= set(names)
    assert not [name for name in names if name.startswith(("admin/", "reversion/"))]
    (loader,) = engines["django"].engine.template_loaders  # the cached loader
    assert set(names) <= set(loader.get_template_cache)


def test_the_url_tables_of_every_language_are_built():
    warm_up()
    languages = {code for code, _name in settings.LANGUAGES}
    assert languages <= set(get_resolver()._reverse_dict)
