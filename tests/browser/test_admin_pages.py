"""The project's admin pages in Chromium with axe-core, and through the Nu HTML Checker.

A superuser signs in through the login form and opens the pages the project made or changed:
the admin home with the review desk, the partnership and city forms (in English and German),
the partnership list, a partnership's history, the comparison of two of its versions, its
Translations page and its review page. axe-core finds no violation at 1,280 px, and the Nu
checker no error, except Django's own findings, allow-listed by rule below, each with the
reason; what the project's templates, widgets and CSS produce is not allow-listed.

It also checks where the keyboard focus is after opening the add form and after a failed save
(js/admin_focus.js): on the first field, and on the error summary, not on the top Save button.
"""

import json
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import VNU_JAR, need
from .test_pages import describe_violations

pytestmark = pytest.mark.browser

PASSWORD = "Admin-pages-pass-4711"  # noqa: S105 - a test account on the test's own server
USERNAME = "a11y-admin"
SLUG = "dresden-hangzhou"
# A superuser, and two versions of the partnership for the history and compare pages.
MAKE_ADMIN = """
import json
import sys
import django
django.setup()
import reversion
from django.contrib.auth import get_user_model
from reversion.models import Version
from cities.models import City
from partnerships.models import Partnership

username, password, slug = sys.argv[1:]
user = get_user_model().objects.create_superuser(username, f"{username}@twinning.example", password)
partnership = Partnership.objects.get(slug=slug)
for summary in [partnership.summary_en, partnership.summary_en + " The choirs sing together."]:
    partnership.summary_en = summary
    with reversion.create_revision():
        reversion.set_user(user)
        partnership.save()
newer, older = Version.objects.get_for_object(partnership)[:2]
print(json.dumps({
    "partnership": partnership.pk,
    "city": City.objects.get(slug="dresden").pk,
    "old": older.pk,
    "new": newer.pk,
}))
"""

# Django's own findings, by axe rule id: rule -> a pattern of the offending nodes' markup.
# Nothing the project's templates, widgets or CSS produce is listed.
AXE_ALLOWED = {
    # SelectFilter2.js (Django's filter_horizontal widget: focus areas, staff, a plan's
    # activities) puts `aria-label` on a <span> without a role, its search box's help icon.
    "aria-prohibited-attr": r'class="help-tooltip search-label-icon"',
    # Django's AdminSplitDateTime (go live / take down at): the date and time inputs are
    # introduced by the plain words "Date:" and "Time:", and the row's <label> points at no
    # input (MultiWidget.id_for_label is empty).
    "label": r'class="v(Date|Time)Field"',
    # Django's tabular inline (sources, key figures) heads its first column, where a saved
    # row's name stands, with an empty <th class="original">.
    "empty-table-header": r'class="original"',
    # Django's AutocompleteSelect (select2, the city choosers): its combobox <span> and the
    # textbox inside it have no name of their own; the <select> they stand for is labelled.
    "aria-input-field-name": r'class="select2-selection',
}
# Requests that fail on every admin form, not of the project's making: the manifest storage
# rewrites forms.css's `@import url('widgets.css')` to the hashed name, and Chromium asks for
# it relative to the page (…/change/widgets.<hash>.css), which the admin redirects and 404s.
# The stylesheet itself arrives through its own <link>. Left to look into (see the report).
FAILED_ALLOWED = [r"/widgets\.[0-9a-f]{12}\.css"]
# Console messages of Django's own scripts: DateTimeShortcuts.js and SelectFilter2.js set
# inline styles, which the Content-Security-Policy (style-src 'self') refuses, harmlessly.
CONSOLE_ALLOWED = [r"^Applying inline style violates the following Content Security Policy"]
# Nu checker messages from Django's admin widgets (regular expressions).
VNU_ALLOWED = [
    # Django's AutocompleteSelect (the required city choosers) renders a required <select>
    # holding only the chosen option, or none on the add form, for select2 to fill; no
    # empty placeholder option.
    r"^A “select” element with a “required” attribute, and without a “multiple” attribute",
    r"^The first “option” element in a “select” element with a “required” attribute",
]


def ours(violations):
    """The violations with the allow-listed nodes taken out."""
    kept = []
    for violation in violations:
        pattern = AXE_ALLOWED.get(violation["id"])
        nodes = [
            node
            for node in violation["nodes"]
            if pattern is None or not re.search(pattern, node["html"])
        ]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


@pytest.fixture(scope="module")
def ids(site_python):
    return SimpleNamespace(**json.loads(site_python(MAKE_ADMIN, USERNAME, PASSWORD, SLUG)))


@pytest.fixture(scope="module")
def pages(ids):
    """name -> (admin path, Accept-Language)."""
    partnership = f"/admin/partnerships/partnership/{ids.partnership}"
    return {
        "admin-home": ("/admin/", "en"),
        "partnership-list": ("/admin/partnerships/partnership/", "en"),
        "partnership-list-de": ("/admin/partnerships/partnership/", "de"),
        "partnership-add": ("/admin/partnerships/partnership/add/", "en"),
        "partnership-change": (f"{partnership}/change/", "en"),
        "partnership-change-de": (f"{partnership}/change/", "de"),
        "partnership-change-zh": (f"{partnership}/change/", "zh-CN"),
        "city-change": (f"/admin/cities/city/{ids.city}/change/", "en"),
        "history": (f"{partnership}/history/", "en"),
        "compare": (f"{partnership}/history/compare/?old={ids.old}&new={ids.new}", "en"),
        "translations": (f"{partnership}/translations/", "en"),
        "review": (f"{partnership}/review/", "en"),
        "dossier": (f"{partnership}/dossier/", "en"),
        "dossier-zh": (f"{partnership}/dossier/", "zh-CN"),
    }


@pytest.fixture(scope="module")
def signed_in(browser, site, ids):
    """language -> a browser context signed in as the superuser, asking for that language."""
    contexts = {}

    def context_for(language):
        if language not in contexts:
            context = browser.new_context(
                viewport={"width": 1280, "height": 800},
                base_url=site,
                extra_http_headers={"Accept-Language": language},
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto("/admin/login/?next=/admin/")
            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("#login-form [type=submit]")
            assert page.url.endswith("/admin/"), f"could not sign in: {page.url}"
            page.close()
            contexts[language] = context
        return contexts[language]

    yield context_for
    for context in contexts.values():
        context.close()


PAGE_NAMES = [
    "admin-home",
    "partnership-list",
    "partnership-list-de",
    "partnership-add",
    "partnership-change",
    "partnership-change-de",
    "partnership-change-zh",
    "city-change",
    "history",
    "compare",
    "translations",
    "review",
    "dossier",
    "dossier-zh",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_admin_page_has_no_accessibility_violation(signed_in, pages, screenshots, name):
    path, language = pages[name]
    page = signed_in(language).new_page()
    console, failed = [], []
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not any(re.search(pattern, response.url) for pattern in FAILED_ALLOWED)
            and failed.append(f"{response.url}: {response.status}")
        ),
    )
    try:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        page.screenshot(path=screenshots / f"admin-{name}.png", full_page=True)
        violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    finally:
        page.close()
    # Every finding, Django's included, per rule: kept beside the screenshots (CI artefacts).
    counts = {violation["id"]: len(violation["nodes"]) for violation in violations}
    (screenshots / f"admin-{name}-axe.json").write_text(json.dumps(counts, sort_keys=True))
    violations = ours(violations)
    console = [
        line
        for line in console
        if not any(re.search(pattern, line) for pattern in CONSOLE_ALLOWED)
        and "the server responded with a status of" not in line  # requests: told below
    ]
    problems = []
    if console:
        problems.append("console errors:\n    " + "\n    ".join(console))
    if failed:
        problems.append("failed requests:\n    " + "\n    ".join(failed))
    if violations:
        problems.append("axe-core violations:\n" + describe_violations(violations))
    assert not problems, f"{path} ({language})\n" + "\n".join(problems)


def test_admin_html_is_valid(signed_in, pages, tmp_path):
    """The Nu HTML Checker reports no error of the project's in the admin pages."""
    java = shutil.which("java")
    need(java and VNU_JAR.exists(), f"the Nu HTML Checker needs Java and {VNU_JAR} (npm ci)")
    files = []
    for name in PAGE_NAMES:
        path, language = pages[name]
        response = signed_in(language).request.get(path)
        assert response.status == 200, f"{path} answered {response.status}"
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.body())
        files.append(str(file))
    result = subprocess.run(  # noqa: S603
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stderr.strip() or result.stdout.strip()
    assert output.startswith("{"), f"the Nu HTML Checker did not run:\n{output}"
    errors = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        for message in json.loads(output)["messages"]
        if message["type"] in {"error", "non-document-error"}
        and not any(re.search(pattern, message["message"]) for pattern in VNU_ALLOWED)
    ]
    assert not errors, "the Nu HTML Checker found:\n" + "\n".join(errors)


def test_the_add_form_starts_on_its_first_field(signed_in):
    """Not on the top Save button (save_on_top) but on the City chooser, the first field."""
    page = signed_in("en").new_page()
    try:
        page.goto("/admin/partnerships/partnership/add/")
        page.wait_for_load_state("load")
        page.wait_for_function("document.activeElement !== document.body")
        where = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return {row: e.closest('.form-row') && e.closest('.form-row').className,"
            " submit: !!e.closest('.submit-row')}; })()"
        )
    finally:
        page.close()
    assert not where["submit"]
    assert "field-city_a" in where["row"]


def test_a_failed_save_puts_the_focus_on_the_error_summary(signed_in):
    page = signed_in("en").new_page()
    try:
        page.goto("/admin/cities/city/add/")
        with page.expect_navigation():
            page.locator("#city_form [name=_save]").first.click()
        page.wait_for_load_state("load")
        page.wait_for_function("document.activeElement.classList.contains('errornote')")
        text = page.evaluate("document.activeElement.textContent")
    finally:
        page.close()
    assert "Please correct the error" in text
