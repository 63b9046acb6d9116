"""Every page type in Chromium at a phone's and a desktop's width, and through the Nu checker.

Each (page, width) visit saves a full-page screenshot, then checks that nothing makes the page
scroll sideways, that it logged no console error, that none of its own requests failed, and that
axe-core finds no violation: all of axe's default rules at both widths (a phone layout hides and
squeezes things differently), except colour contrast, most of axe's time, which is checked at
the phone's width only (the colours are the same at both).

The HTML test validates the pages' source as served, all in one run of the Nu checker.
"""

import json
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import VNU_JAR, need

pytestmark = pytest.mark.browser

# name -> (path, expected HTTP status)
PAGES = {
    "home": ("/en/", 200),
    "partnership-list": ("/en/partnerships/", 200),
    "partnership-list-filtered": ("/en/partnerships/?country=CN&sort=-established", 200),
    "partnership-berlin-beijing": ("/en/partnerships/berlin-beijing/", 200),
    "partnership-dresden-hangzhou": ("/en/partnerships/dresden-hangzhou/", 200),
    "partnership-world": ("/en/partnerships/berat-amasya/", 200),
    "city-list": ("/en/cities/", 200),
    "city-dresden": ("/en/cities/dresden/", 200),
    "city-world-many-partners": ("/en/cities/beijing/", 200),  # 38 partners from the sample
    "city-world": ("/en/cities/buenos-aires-ar/", 200),
    "topic": ("/en/topics/culture/", 200),
    "activity-list": ("/en/activities/", 200),
    "search": ("/en/search/?q=judges", 200),
    "statistics": ("/en/statistics/", 200),
    "anniversaries": ("/en/anniversaries/", 200),
    "report-dresden-hangzhou": ("/en/partnerships/dresden-hangzhou/report/2010/", 200),
    "report-missing": ("/en/partnerships/dresden-hangzhou/report/2008/", 404),
    "not-found": ("/no-such-page/", 404),
    # The other languages: translated interface, translated or marked-untranslated content.
    "home-de": ("/de/", 200),
    "partnership-berlin-beijing-de": ("/de/partnerships/berlin-beijing/", 200),
    "partnership-berlin-beijing-zh-hans": ("/zh-hans/partnerships/berlin-beijing/", 200),
    "city-beijing-zh-hans": ("/zh-hans/cities/beijing/", 200),
    "report-city-dresden-zh-hans": ("/zh-hans/cities/dresden/report/2010/", 200),
}
WIDTHS = {"phone": 375, "desktop": 1280}
AXE = Axe()
AXE_OPTIONS = {
    "phone": {"resultTypes": ["violations"]},
    "desktop": {"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}},
}


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['html'][:160]}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.fixture(scope="module")
def contexts(browser):
    """One browser context per width, shared by the pages (a new context costs a little)."""
    made = {
        width: browser.new_context(viewport={"width": pixels, "height": 800})
        for width, pixels in WIDTHS.items()
    }
    yield made
    for context in made.values():
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page(contexts, site, screenshots, name, width):
    path, status = PAGES[name]
    page = contexts[width].new_page()
    console, failed = [], []
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.request.resource_type != "document"
            and failed.append(f"{response.url}: HTTP {response.status}")
        ),
    )
    try:
        response = page.goto(site + path)
        assert response.status == status, f"{path} answered {response.status}"
        page.screenshot(path=screenshots / f"{name}-{WIDTHS[width]}.png", full_page=True)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        violations = AXE.run(page, options=AXE_OPTIONS[width]).response["violations"]
    finally:
        page.close()
    if status != 200:  # Chromium logs the page's own error status; that one is expected here
        console = [line for line in console if f"status of {status}" not in line]
    problems = []
    if page_width > WIDTHS[width]:  # something too wide: the whole page scrolls sideways
        problems.append(f"the page is {page_width} px wide, wider than the window")
    if console:
        problems.append("console errors:\n    " + "\n    ".join(console))
    if failed:
        problems.append("failed requests:\n    " + "\n    ".join(failed))
    if violations:
        problems.append("axe-core violations:\n" + describe_violations(violations))
    assert not problems, f"{path} at {WIDTHS[width]} px\n" + "\n".join(problems)


def test_html_is_valid(site, tmp_path):
    """The Nu HTML Checker reports no error in any page type (one JVM for all pages)."""
    java = shutil.which("java")
    need(java and VNU_JAR.exists(), f"the Nu HTML Checker needs Java and {VNU_JAR} (npm ci)")
    files = []
    for name, (path, _status) in PAGES.items():
        try:
            with urllib.request.urlopen(site + path, timeout=30) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:  # the 404 page
            body = error.read()
        file = tmp_path / f"{name}.html"
        file.write_bytes(body)
        files.append(str(file))
    result = subprocess.run(  # noqa: S603
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stderr.strip() or result.stdout.strip()
    assert output.startswith("{"), f"the Nu HTML Checker did not run:\n{output}"
    messages = json.loads(output)["messages"]
    errors = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        if message["type"] in {"error", "non-document-error"}
    ]
    assert not errors, "the Nu HTML Checker found:\n" + "\n".join(errors)
