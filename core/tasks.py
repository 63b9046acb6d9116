"""Sending work to the task queue (twinning/celery.py, docs/tasks.md) without depending on it.

`enqueue()` sends a task once the current transaction has committed, so a worker never looks for
a row that is not there yet. When the broker cannot be reached the task runs here, in the
sending process, after a WARNING: the work is slower for that request, never lost. Sending is
tried once, with the short timeouts of settings.CELERY_BROKER_*; after a failure the broker is
not tried again for UNAVAILABLE_SECONDS, so a broker that hangs costs one request its timeout,
not every request. `queue_available()` is the admin's question (is the queue there?), asked
at most once per CHECK_SECONDS per process.
"""

import logging
import time

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

UNAVAILABLE_SECONDS = 10
CHECK_SECONDS = 15

# Per process: (monotonic time until which the answer holds, the broker answered).
_broker_state = [0.0, True]


def _remember(available, seconds):
    _broker_state[:] = [time.monotonic() + seconds, available]


def _known_down():
    until, available = _broker_state
    return not available and time.monotonic() < until


def _connection():
    """A connection to the broker that gives up at the first failure (no retry loop)."""
    return current_app.connection_for_write(transport_options={"max_retries": 0})


def enqueue(task, *args, **kwargs):
    """Run `task(*args, **kwargs)` on a worker after this transaction commits (here if none)."""

    def send():
        if current_app.conf.task_always_eager:  # no broker configured: the demo
            task.apply_async(args=args, kwargs=kwargs)
            return
        if not _known_down():
            try:
                with _connection() as connection:
                    task.apply_async(args=args, kwargs=kwargs, retry=False, connection=connection)
                return
            except Exception as error:  # kombu's OperationalError, a timeout, a refused socket
                _remember(False, UNAVAILABLE_SECONDS)
                logger.warning("Task queue unavailable (%s); running %s here", error, task.name)
        else:
            logger.warning("Task queue unavailable; running %s here", task.name)
        task.apply(args=args, kwargs=kwargs)

    transaction.on_commit(send)


def queue_available():
    """Whether the broker answers (always, without one: tasks run in-process). Cached briefly."""
    if current_app.conf.task_always_eager:
        return True
    until, available = _broker_state
    if time.monotonic() < until:
        return available
    try:
        with _connection() as connection:
            connection.default_channel  # connects: for Redis, a PING  # noqa: B018
        available = True
    except Exception as error:  # noqa: BLE001 (whatever the transport raises: it is down)
        logger.warning("Task queue unavailable: %s", error)
        available = False
    _remember(available, CHECK_SECONDS)
    return available
