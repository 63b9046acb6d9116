"""The partnerships app's admin, by concern: what the admins share (base), the rows edited
inside a partnership (inlines), the partnership itself, the focus areas, and the records on
their own pages. Importing the package registers them all."""

from . import imports, media, partnership, records, seeking, topics  # noqa: F401 - each registers its admins
