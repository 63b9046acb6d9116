"""What a worker's first request would otherwise do once, done before it serves any.

The first render of a page in a new worker paid, beside the page's own work, for building
Django's URL reversal tables (one per language, as every page links to itself in each
language), loading each language's translation catalogs and compiling the templates: about
80 ms of the home page's first render, which every request waiting on that render (a cold
page cache's single flight) waited for too. gunicorn.conf.py calls warm_up() in each worker
before gc.freeze(), so what it loads is frozen with the rest. Nothing here holds a page or a
query's result: URL tables, catalogs and compiled templates are the same in every request.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

# The staff side's templates are left to their first use: few requests, none of them public.
SKIPPED_TEMPLATE_DIRS = ("admin", "reversion")


def public_templates():
    """The names of the project's own templates but the staff side's."""
    names = []
    for directory in map(Path, settings.TEMPLATES[0]["DIRS"]):
        for path in sorted(directory.rglob("*.html")):
            name = path.relative_to(directory).as_posix()
            if name.split("/", 1)[0] not in SKIPPED_TEMPLATE_DIRS:
                names.append(name)
    return names


def warm_up():
    """Reverse a URL in every language (each builds its own tables and loads its catalogs),
    then load every public template into the cached loader. Returns the templates' names."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reverse("home")
    names = public_templates()
    for name in names:
        get_template(name)
    return names
