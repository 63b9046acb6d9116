"""The staff roles' names, for every app; what each role may do is assembled by the project
(twinning/roles.py), which also registers how the roles' groups are made (`register_setup`):
an app that needs a role's group (the invitations) asks for it here, not from the project."""

EDITOR = "Editor"
PUBLISHER = "Publisher"
ROLE_NAMES = (EDITOR, PUBLISHER)

_setup = None


def register_setup(setup):
    """`setup()` creates or repairs the roles' groups (twinning.roles.setup_roles)."""
    global _setup
    _setup = setup


def ensure_roles():
    if _setup is not None:
        _setup()
