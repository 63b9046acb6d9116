"""The readable difference between two stored versions (history/compare.py): no database."""

import datetime

from cities.models import City
from history import compare as history
from history.compare import EMPTY, display_value, field_changes, part_changes, text_diff
from partnerships.models import Activity, FocusArea, Milestone, Partnership, Plan

field = Partnership._meta.get_field


class TestTextDiff:
    def test_marks_removed_and_added_words(self):
        assert text_diff("Two cities on two rivers.", "Two cities on three rivers.") == (
            "Two cities on <del>two</del><ins>three</ins> rivers."
        )

    def test_unchanged_text_is_plain(self):
        assert text_diff("Same words.", "Same words.") == "Same words."

    def test_from_and_to_nothing(self):
        assert text_diff("", "New") == "<ins>New</ins>"
        assert text_diff(None, "New") == "<ins>New</ins>"
        assert text_diff("Old", "") == "<del>Old</del>"

    def test_keeps_line_breaks(self):
        assert text_diff("One.\n\nTwo.", "One.\nTwo and three.") == (
            "One.<del>\n\nTwo.</del><ins>\nTwo and three.</ins>"
        )

    def test_line_breaks_from_a_browser_are_no_change(self):
        # A text area posts CRLF; the text was stored with LF (the demo, an import).
        assert text_diff("One.\n\nTwo.", "One.\r\n\r\nTwo, three.") == (
            "One.\n\n<del>Two.</del><ins>Two, three.</ins>"
        )

    def test_escapes_everything_it_was_given(self):
        diff = text_diff("<b>bold</b> & co", '<script>alert("x")</script> & co')
        assert "<script>" not in diff
        assert "<b>" not in diff
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in diff
        assert "&lt;b&gt;bold&lt;/b&gt;" in diff
        assert diff.endswith(" &amp; co")

    def test_escapes_unchanged_text_too(self):
        assert (
            text_diff("<i>x</i> a", "<i>x</i> b") == "&lt;i&gt;x&lt;/i&gt; <del>a</del><ins>b</ins>"
        )

    def test_long_text_is_compared_line_by_line(self):
        old = "\n".join(f"word{i} " * 10 for i in range(1000))
        new = old.replace("word500 ", "changed ", 1)
        diff = text_diff(old, new)
        assert diff.count("<del>") == 1
        assert "<ins>changed word500" in diff

    def test_a_100_kb_string_without_spaces(self):
        hostile = "<" * 100_000
        diff = text_diff("", hostile)
        assert diff == f"<ins>{'&lt;' * 100_000}</ins>"

    def test_result_is_safe_html(self):
        assert hasattr(text_diff("a", "b"), "__html__")


class TestDisplayValue:
    def test_choice_shows_its_label(self):
        assert display_value(field("kind"), "friendship") == "Friendship"
        assert display_value(field("state"), "in_review") == "In review"

    def test_unknown_choice_shows_the_stored_value(self):
        assert display_value(field("kind"), "gone") == "gone"

    def test_related_record_shows_its_name(self):
        names = {(City, 7): "Dresden (DE)"}
        assert display_value(field("city_a"), 7, names) == "Dresden (DE)"

    def test_related_record_that_no_longer_exists(self):
        assert display_value(field("city_a"), 7, {}) == "#7 (no longer exists)"

    def test_many_to_many_shows_names_in_order(self):
        names = {(FocusArea, 1): "Culture", (FocusArea, 2): "Climate"}
        assert display_value(field("focus_areas"), [1, 2], names) == "Climate, Culture"
        assert display_value(field("focus_areas"), [], names) == EMPTY

    def test_empty_values(self):
        assert display_value(field("summary"), "") == EMPTY
        assert display_value(field("established"), None) == EMPTY

    def test_yes_and_no(self):
        assert display_value(field("is_featured"), True) == "yes"
        assert display_value(field("is_featured"), False) == "no"

    def test_date(self):
        assert display_value(field("established"), datetime.date(2009, 10, 16)) == "16 October 2009"

    def test_country_shows_its_name(self):
        assert display_value(City._meta.get_field("country"), "DE") == "Germany"


class TestFieldChanges:
    old = {
        "id": 1,
        "city_a_id": 1,
        "city_b_id": 2,
        "kind": "twinning",
        "summary_en": "Old summary.",
        "focus_areas": [2, 1],
        "updated_at": datetime.datetime(2020, 1, 1),
    }
    names = {(City, 1): "Dresden (DE)", (City, 2): "Hangzhou (CN)", (City, 3): "Ulm (DE)"}

    def test_lists_only_what_changed_with_labels_and_display_values(self):
        new = {
            **self.old,
            "city_b_id": 3,
            "kind": "friendship",
            "summary_en": "New summary.",
            "focus_areas": [1, 2],  # the same set, another order
            "updated_at": datetime.datetime(2021, 1, 1),  # not something staff edit
        }
        changes = field_changes(Partnership, self.old, new, self.names)
        assert [(c.label, c.old, c.new) for c in changes] == [
            ("Partner city", "Hangzhou (CN)", "Ulm (DE)"),
            ("Kind", "Twinning / sister cities", "Friendship"),
            ("Summary (English)", "Old summary.", "New summary."),
        ]
        by_name = {c.name: c for c in changes}
        assert by_name["summary_en"].diff == "<del>Old</del><ins>New</ins> summary."
        assert by_name["kind"].diff is None  # a choice reads best as old → new
        assert by_name["city_b"].diff is None

    def test_nothing_changed(self):
        assert field_changes(Partnership, self.old, dict(self.old), self.names) == []

    def test_only_line_breaks_changed_is_no_change(self):
        old = {"summary_en": "One.\n\nTwo.", "character_en": "Three.\nFour."}
        new = {"summary_en": "One.\r\n\r\nTwo.", "character_en": "Three.\r\nFive."}
        changes = field_changes(Partnership, old, new)
        assert [(c.name, c.diff) for c in changes] == [
            ("character_en", "Three.\n<del>Four.</del><ins>Five.</ins>")
        ]

    def test_empty_and_missing_are_the_same(self):
        assert field_changes(Partnership, {"summary": ""}, {"summary": None}) == []

    def test_field_missing_from_one_version(self):
        (change,) = field_changes(Partnership, {}, {"summary_en": "Added later."})
        assert (change.old, change.new) == (EMPTY, "Added later.")

    def test_excluded_fields(self):
        old, new = {"partnership_id": 1, "title": "A"}, {"partnership_id": 2, "title": "A"}
        assert field_changes(Milestone, old, new, exclude=["partnership"]) == []


class TestPartChanges:
    def test_added_removed_and_changed(self):
        old = {
            "1": ("Letter of intent", {"title_en": "Letter of intent", "kind": "memorandum"}),
            "2": ("Choir", {"title_en": "Choir", "kind": "other"}),
        }
        new = {
            "1": ("Memorandum", {"title_en": "Memorandum", "kind": "memorandum"}),
            "3": ("Anniversary", {"title_en": "Anniversary", "kind": "anniversary"}),
        }
        result = part_changes(Milestone, old, new)
        assert result.label == "Milestones"
        assert result.added == ["Anniversary"]
        assert result.removed == ["Choir"]
        ((name, (change,)),) = result.changed
        assert name == "Memorandum"
        assert change.label == "Title (English)"
        assert bool(result)

    def test_unchanged_parts_are_not_listed(self):
        same = {"1": ("Choir", {"title": "Choir"})}
        result = part_changes(Activity, same, dict(same))
        assert not result
        assert result.label == "Activities"


def test_related_keys_names_what_to_look_up():
    old = {"focus_area_id": 4, "activities": [1, 2], "title": "Plan"}
    new = {"focus_area_id": None, "activities": [2, 3], "title": "Plan"}
    assert history.related_keys(Plan, old, new) == {FocusArea: {4}, Activity: {1, 2, 3}}
