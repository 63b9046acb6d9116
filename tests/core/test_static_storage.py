"""core/static_storage.py: the hashed files' addresses, each worked out once per storage."""

import json

import pytest

from core.static_storage import StaticStorage


@pytest.fixture
def storage(tmp_path):
    def make(paths):
        manifest = {"version": "1.1", "paths": paths, "hash": ""}
        (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
        return StaticStorage(location=tmp_path, base_url="/static/")

    return make


def test_an_address_is_worked_out_once(storage, settings, monkeypatch):
    settings.DEBUG = False
    static = storage({"css/site.css": "css/site.0123abcd.css"})
    looked_up = []
    real = static.stored_name
    monkeypatch.setattr(static, "stored_name", lambda name: looked_up.append(name) or real(name))
    assert static.url("css/site.css") == "/static/css/site.0123abcd.css"
    assert static.url("css/site.css") == "/static/css/site.0123abcd.css"
    assert looked_up == ["css/site.css"]
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        static.url("css/none.css")  # an error is not kept


def test_debug_and_a_changed_setting_give_the_address_anew(storage, settings):
    settings.DEBUG = False
    static = storage({"css/site.css": "css/site.0123abcd.css"})
    assert static.url("css/site.css") == "/static/css/site.0123abcd.css"
    settings.DEBUG = True
    assert static.url("css/site.css") == "/static/css/site.css"
    settings.DEBUG = False
    static.base_url = "/assets/"  # as a storage made for another STATIC_URL
    settings.STATIC_URL = "/assets/"  # setting_changed: the kept addresses are forgotten
    assert static.url("css/site.css") == "/assets/css/site.0123abcd.css"
