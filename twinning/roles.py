"""The staff roles: Editor and Publisher, as Django groups with exactly these permissions.

Editors create and change content and submit it for review; publishers also publish,
unpublish and delete partnerships and keep the focus areas. Which cities a staff member may
work on is a separate matter: `City.staff` (see partnerships/permissions.py).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

EDITOR = "Editor"
PUBLISHER = "Publisher"

_EDIT = ["view", "add", "change", "delete"]
EDITOR_PERMISSIONS = {
    "cities.city": ["view", "add", "change"],
    "cities.cityfigure": _EDIT,
    "partnerships.partnership": ["view", "add", "change"],
    "partnerships.milestone": _EDIT,
    "partnerships.activity": _EDIT,
    "partnerships.plan": _EDIT,
    "partnerships.source": _EDIT,
    "partnerships.partnershipfigure": _EDIT,
    "partnerships.focusarea": ["view"],
}
PUBLISHER_PERMISSIONS = {
    **EDITOR_PERMISSIONS,
    "partnerships.partnership": ["view", "add", "change", "delete", "publish"],
    "partnerships.focusarea": ["view", "add", "change"],
}
ROLES = {EDITOR: EDITOR_PERMISSIONS, PUBLISHER: PUBLISHER_PERMISSIONS}


def _permissions(spec):
    wanted = set()
    for label, actions in spec.items():
        app_label, model = label.split(".")
        for action in actions:
            codename = f"{action}_{model}" if action != "publish" else "publish_partnership"
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
