"""Sending work to the task queue (twinning/celery.py, docs/tasks.md) without depending on it.

`enqueue()` sends a task once the current transaction has committed, so a worker never looks for
a row that is not there yet. When the broker cannot be reached the task runs here, in the
sending process, after a WARNING: the work is slower for that request, never lost.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs):
    """Run `task(*args, **kwargs)` on a worker after this transaction commits (here if none)."""

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except OperationalError as error:
            logger.warning("Task queue unavailable (%s); running %s here", error, task.name)
            task.apply(args=args, kwargs=kwargs)

    transaction.on_commit(send)
