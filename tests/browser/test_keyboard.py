"""The list filters used with the keyboard alone, as a visitor without a mouse would."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


@pytest.fixture(params=[1280, 375], ids=["desktop", "phone"])
def page(browser, site, request):
    viewport = {"width": request.param, "height": 800}
    context = browser.new_context(viewport=viewport, base_url=site)
    yield context.new_page()
    context.close()


def tab_to(page, selector, limit=40):
    """Press Tab until `selector` has the focus, and check that the focus can be seen there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_RING), f"{selector} has the focus but no visible outline"
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def open_filters(page):
    """On a phone the filters are folded away: open them. From 40rem they show by themselves."""
    if page.locator(".filters-panel > summary").is_visible():
        tab_to(page, ".filters-panel > summary")
        page.keyboard.press("Enter")
        assert page.evaluate("document.querySelector('.filters-panel').open")
    assert page.locator(".filters").is_visible()


def query(page):
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def test_partnership_filters_with_the_keyboard(page):
    page.goto("/en/partnerships/")
    open_filters(page)
    tab_to(page, "#id_country")
    page.keyboard.type("China")  # a closed <select> picks the option typed
    assert page.input_value("#id_country") == "CN"
    tab_to(page, "#id_established_from")
    page.keyboard.type("1990")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert {"country": "CN", "established_from": "1990"}.items() <= query(page).items()
    # The imported pairs have no founding date, so only the two demo partnerships remain.
    assert page.locator("#results-heading").inner_text() == "2 partnerships found"
    titles = page.locator(".cards .card h3").all_inner_texts()
    assert sorted(titles) == ["Berlin – Beijing", "Dresden – Hangzhou"]
    # The filters keep the choices, ready for the next change: in view beside the results on a
    # wide screen, folded away under the results' heading on a phone, where results come first.
    assert page.input_value("#id_country") == "CN"
    phone = page.viewport_size["width"] < 640
    assert page.locator("#id_country").is_visible() is not phone


def test_activity_filters_with_the_keyboard(page):
    page.goto("/en/activities/")
    open_filters(page)
    tab_to(page, "#id_kind")
    page.keyboard.type("Seminar")
    assert page.input_value("#id_kind") == "seminar"
    tab_to(page, "#id_city")
    page.keyboard.type("Dresden")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert {"kind": "seminar", "city": "Dresden"}.items() <= query(page).items()
    items = page.locator(".activity-list > .activity")
    assert items.count() > 0
    for item in items.all():
        assert item.locator(".when").inner_text().endswith("· Seminar")
        assert "Dresden" in item.locator(".meta a").inner_text()
