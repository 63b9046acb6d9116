"""The admin's warning that the task queue cannot be reached (core/tasks.py)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from core.tasks import queue_available

register = template.Library()


@register.simple_tag
def task_queue_warning():
    """A warning in the admin's message list when the broker does not answer, else nothing.

    Cached per process (core.tasks.CHECK_SECONDS), so the admin stays fast while it is down.
    """
    if queue_available():
        return ""
    return format_html(
        '<ul class="messagelist"><li class="warning">{}</li></ul>',
        gettext(
            "The task queue is unavailable: picture renditions and other background work run "
            "inside the requests that start them until it is back (docs/tasks.md)."
        ),
    )
