"""The staff roles: Editor and Publisher, as Django groups with exactly these permissions.

What each role may do is declared by each app (cities/roles.py, partnerships/roles.py) and put
together here. Which cities a staff member may work on is a separate matter: `City.staff` (see
partnerships/permissions.py).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from cities import roles as city_roles
from core.roles import EDITOR, PUBLISHER
from partnerships import roles as partnership_roles

# Each app says what each role may do with its own records; the project puts them together.
APP_ROLES = [city_roles, partnership_roles]
ROLES = {
    EDITOR: {label: actions for app in APP_ROLES for label, actions in app.EDITOR.items()},
    PUBLISHER: {label: actions for app in APP_ROLES for label, actions in app.PUBLISHER.items()},
}


def _permissions(spec):
    wanted = set()
    for label, actions in spec.items():
        app_label, model = label.split(".")
        for action in actions:
            codename = f"{action}_{model}"  # "publish" exists for partnerships only
            wanted.add((app_label, codename))
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(
            content_type__app_label__in={app for app, _ in wanted}
        ).select_related("content_type")
    }
    missing = wanted - found.keys()
    if missing:
        raise LookupError(
            "Permissions missing (run `manage.py migrate` first): "
            + ", ".join(sorted(f"{app}.{code}" for app, code in missing))
        )
    return [found[key] for key in sorted(wanted)]


@transaction.atomic
def setup_roles():
    """Create or correct the role groups; return {name: created?}. Safe to run again."""
    result = {}
    for name, spec in ROLES.items():
        group, created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(spec))
        result[name] = created
    return result
