"""What readers see on a phone (issue 21), at 375 px in English, German and Chinese.

Every public page type fits the screen (nothing scrolls sideways); the labels the timeline and
the charts draw, measured by Chromium, neither overlap one another nor leave the screen; the
list's filters fold away after a search, whose results come best match first; a map's points
can be tapped.
"""

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
LANGUAGES = ["en", "de", "zh-hans"]
PAGES = {
    "home": "/",
    "partnership-list": "/partnerships/",
    "partnership-search": "/partnerships/?q=Beijing",
    "partnership-berlin-beijing": "/partnerships/berlin-beijing/",
    "partnership-dresden-hangzhou": "/partnerships/dresden-hangzhou/",
    "city-list": "/cities/",
    "city-dresden": "/cities/dresden/",
    "city-beijing": "/cities/beijing/",  # 38 partners from the sample: a crowded map and chart
    "statistics": "/statistics/",
    "activities": "/activities/",
    "anniversaries": "/anniversaries/",
    "topic": "/topics/culture/",
}
# Pages whose timeline or charts draw labels.
LABELLED = {"partnership-berlin-beijing", "partnership-dresden-hangzhou", "statistics"}

# The boxes of the SVG labels the visitor can see, as Chromium lays them out.
LABEL_BOXES = """() => [...document.querySelectorAll("svg text")]
  .filter(text => text.checkVisibility())
  .map(text => {
    const box = text.getBoundingClientRect();
    return {text: text.textContent, left: box.left, right: box.right, top: box.top,
            bottom: box.bottom};
  })
  .filter(box => box.right > box.left)"""
TOLERANCE = 0.5  # px: boxes that touch do not overlap


def overlap(a, b):
    return (
        a["left"] < b["right"] - TOLERANCE
        and b["left"] < a["right"] - TOLERANCE
        and a["top"] < b["bottom"] - TOLERANCE
        and b["top"] < a["bottom"] - TOLERANCE
    )


@pytest.fixture(scope="module")
def phone(browser, site):
    context = browser.new_context(viewport=PHONE, base_url=site)
    yield context
    context.close()


@pytest.fixture
def page(phone):
    page = phone.new_page()
    yield page
    page.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_nothing_scrolls_sideways_or_overlaps(page, name, language):
    path = f"/{language}{PAGES[name]}"
    response = page.goto(path)
    assert response.status == 200, path
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide at {PHONE['width']} px"
    labels = page.evaluate(LABEL_BOXES)
    if name in LABELLED:
        assert labels, f"{path} shows no timeline or chart label"
    problems = []
    for n, label in enumerate(labels):
        if label["left"] < -TOLERANCE or label["right"] > widths[1] + TOLERANCE:
            problems.append(
                f"{label['text']!r} leaves the screen ({label['left']:.0f}–{label['right']:.0f} px)"
            )
        problems += [
            f"{label['text']!r} overlaps {other['text']!r}"
            for other in labels[n + 1 :]
            if overlap(label, other)
        ]
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_shows_its_narrow_drawing_with_whole_labels(page, language):
    page.goto(f"/{language}/partnerships/berlin-beijing/")
    assert page.locator(".timeline-svg.tl-narrow").is_visible()
    assert not page.locator(".timeline-svg.tl-wide").is_visible()
    # Each label is the whole title or its beginning, shortened with an ellipsis.
    for item in page.locator(".tl-narrow .tl-item").all():
        title = item.locator("title").text_content().split(": ", 1)[1]
        label = item.locator(".tl-label").text_content()
        assert label == title or (label.endswith("…") and title.startswith(label[:-1])), label


def test_after_a_search_the_results_come_first(page):
    page.goto("/en/partnerships/?q=Beijing")
    assert not page.locator("#id_country").is_visible()  # the filters are folded away
    heading = page.locator("#results-heading").bounding_box()
    assert heading["y"] + heading["height"] <= PHONE["height"]
    assert page.locator(".cards .card").first.is_visible()
    page.locator(".filters-panel > summary").click()
    assert page.locator("#id_country").is_visible()
    chosen = page.locator("#id_sort option:checked")
    assert (chosen.get_attribute("value"), chosen.text_content()) == ("", "Best match")


def test_a_map_point_can_be_tapped(page):
    page.goto("/en/partnerships/berlin-beijing/")
    target = page.locator('.map-target[aria-label="Beijing"]')
    box = target.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    with page.expect_navigation():
        target.click()
    assert page.url.endswith("/en/cities/beijing/")
    # On a city page a partner leads to the partnership. (Europe is crowded on Beijing's world
    # map: Berlin's point lies under Copenhagen's. Hangzhou lies alone on Dresden's.)
    page.goto("/en/cities/dresden/")
    with page.expect_navigation():
        page.locator('.map-target[aria-label="Partnership with Hangzhou"]').click()
    assert page.url.endswith("/en/partnerships/dresden-hangzhou/")
