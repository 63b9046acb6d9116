"""What each staff role may do with the partnerships' records (the roles: twinning/roles.py).

Editors create and change content and submit it for review; publishers also publish,
unpublish and delete partnerships and keep the focus areas.
"""

_EDIT = ["view", "add", "change", "delete"]
EDITOR = {
    "partnerships.partnership": ["view", "add", "change"],
    "partnerships.milestone": _EDIT,
    "partnerships.activity": _EDIT,
    "partnerships.plan": _EDIT,
    "partnerships.source": _EDIT,
    "partnerships.partnershipfigure": _EDIT,
    "partnerships.picture": _EDIT,
    "partnerships.document": _EDIT,
    "partnerships.focusarea": ["view"],
    # Their cities' "seeking a partner" listings (admin/seeking.py keeps them to those).
    "partnerships.partnersearch": _EDIT,
}
PUBLISHER = {
    **EDITOR,
    "partnerships.partnership": ["view", "add", "change", "delete", "publish"],
    "partnerships.focusarea": ["view", "add", "change"],
}
