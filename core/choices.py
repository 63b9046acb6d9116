"""Labels of choice values, for pages that list many records."""


def choice_label(choices, value):
    """The label of `value` in a TextChoices class, or the value itself if it is not one.

    Model.get_FOO_display() hashes every choice's lazily translated label on each call, which
    translates them all: on a list of a hundred partnerships that is thousands of lookups. This
    translates one.
    """
    try:
        return choices(value).label
    except ValueError:
        return value
