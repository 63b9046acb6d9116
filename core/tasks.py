"""Sending work to the task queue (twinning/celery.py, docs/tasks.md) without depending on it.

`enqueue()` sends a task once the current transaction has committed, so a worker never looks for
a row that is not there yet. When the broker cannot be reached the task runs here, in the
sending process, after a WARNING: the work is slower for that request, never lost. Sending is
tried once, with the short timeouts of settings.CELERY_BROKER_*; after a failure the broker is
not tried again for UNAVAILABLE_SECONDS, so a broker that hangs costs one request its timeout,
not every request. `queue_available()` is the admin's question (is the queue there?), asked
at most once per CHECK_SECONDS per process.

Work too long for a request (the admin's import) asks for two other behaviours:
`refuse_if_down=True` raises QueueUnavailable instead of running it here, and `background=True`
runs it, when no broker is configured, in a thread of this process instead of in the request.
"""

import logging
import random
import threading
import time

from celery import current_app
from django.conf import settings
from django.db import connections, transaction

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


class QueueUnavailable(Exception):
    """A broker is configured but cannot be reached, and the task may not run here."""


# The threads running tasks in the background (eager mode), until they end.
_threads = set()


def backoff(retries, first_seconds):
    """The pause before retry number `retries` + 1: `first_seconds`, doubling each time, plus
    up to a quarter more, so that many tasks failing together do not all retry at once."""
    seconds = first_seconds * 2**retries
    return seconds + random.uniform(0, seconds / 4)  # noqa: S311 (spreading retries, no secret)


def enqueue(task, *args, refuse_if_down=False, background=False, **kwargs):
    """Run `task(*args, **kwargs)` on a worker after this transaction commits (here if none).

    refuse_if_down: when the broker cannot be reached, raise QueueUnavailable instead of
    running the task here — at once if the broker is known to be down, else from the commit:
    call it outside any transaction (the task is then sent at once) to catch that.
    background: without a broker, run the task in a thread of this process (with its own
    database connection) rather than in the caller's, unless settings.EAGER_TASKS_IN_THREADS
    is off.
    """
    if refuse_if_down and not current_app.conf.task_always_eager and _known_down():
        raise QueueUnavailable

    def send():
        if current_app.conf.task_always_eager:  # no broker configured: the demo
            if background and settings.EAGER_TASKS_IN_THREADS:
                _start_thread(task, args, kwargs)
            else:
                task.apply_async(args=args, kwargs=kwargs)
            return
        error = None
        if not _known_down():
            try:
                with _connection() as connection:
                    task.apply_async(args=args, kwargs=kwargs, retry=False, connection=connection)
                return
            except Exception as failure:  # kombu's OperationalError, a timeout, a refused socket
                _remember(False, UNAVAILABLE_SECONDS)
                error = failure
        why = f" ({error})" if error else ""
        if refuse_if_down:
            logger.warning("Task queue unavailable%s; %s not sent", why, task.name)
            raise QueueUnavailable from error
        logger.warning("Task queue unavailable%s; running %s here", why, task.name)
        task.apply(args=args, kwargs=kwargs)

    transaction.on_commit(send)


def _start_thread(task, args, kwargs):
    def target():
        try:
            task.apply(args=args, kwargs=kwargs)
        finally:
            # This thread's connections: a thread that ends leaves none open behind it.
            connections.close_all()
            _threads.discard(threading.current_thread())

    # Not a daemon: a process that exits (runserver reloading, Ctrl-C) waits for the task to
    # end rather than cutting it off in the middle.
    thread = threading.Thread(target=target, name=f"task {task.name}")
    _threads.add(thread)
    thread.start()


def wait_for_background_tasks(timeout=None):
    """Wait for the tasks running in this process's threads (eager mode) to end."""
    for thread in list(_threads):
        thread.join(timeout)


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
