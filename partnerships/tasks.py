"""The partnerships app's tasks (docs/tasks.md)."""

import logging

from celery import shared_task
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, transaction

from core import images
from core.page_cache import bump_content_version

from . import figures, scheduling, search, vitality
from .importing.tasks import import_twinnings  # noqa: F401 - here for Celery's autodiscovery
from .models import Partnership

logger = logging.getLogger(__name__)


def refresh_search_index(database=DEFAULT_DB_ALIAS):
    """Rebuild every partnership's search document (PostgreSQL) or the search index (SQLite);
    returns how many, or None where the database searches the text directly. In one
    transaction."""
    if not search.is_indexed(database):
        return None
    with transaction.atomic(using=database):
        count = search.refresh_all(Partnership, database)
    bump_content_version()  # search results and snippets come from the documents
    return count


@shared_task(name="partnerships.tasks.refresh_search_index", bind=True, max_retries=3)
def refresh_search_index_task(self, database=DEFAULT_DB_ALIAS):
    """The nightly rebuild (settings.CELERY_BEAT_SCHEDULE), and `update_search_index --queue`.

    Idempotent: the documents are computed from the rows, whenever it runs. A database that
    does not answer is tried again after 1, 2 and 4 minutes.
    """
    try:
        count = refresh_search_index(database)
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    logger.info("Search index refreshed: %s partnership(s)", count)
    return count


@shared_task(name="partnerships.tasks.publish_scheduled")
def publish_scheduled_task():
    """Every minute (settings.CELERY_BEAT_SCHEDULE): the go-lives and take-downs that are due
    (partnerships/scheduling.py). Idempotent: what is done is cleared, and each partnership is
    locked and looked at again before it is done. Not retried: the next minute's run is."""
    outcomes = scheduling.publish_due()
    for outcome in outcomes:
        logger.info("Scheduled publishing: %s", outcome)
    return len(outcomes)


@shared_task(name="partnerships.tasks.refresh_vitality", bind=True, max_retries=3)
def refresh_vitality_task(self):
    """Each night (settings.CELERY_BEAT_SCHEDULE): the months since the last record move on
    with the day (partnerships/vitality.py). Idempotent; two UPDATE statements. Pages showing
    a state that changed are made stale. A database that does not answer is tried again."""
    try:
        changed = vitality.refresh()
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    if changed:
        bump_content_version()
    logger.info("Vitality refreshed: %s partnership(s) changed state", changed)
    return changed


@shared_task(name="partnerships.tasks.rebuild_figures", bind=True, max_retries=3)
def rebuild_figures_task(self, database=DEFAULT_DB_ALIAS):
    """Each night (settings.CELERY_BEAT_SCHEDULE): the maintained figures computed anew
    (partnerships/figures.py), so that the float sums the triggers add to and subtract from
    never drift. Idempotent; one transaction. A database that does not answer is tried again.
    The pages' content does not change (the triggers kept it), so no page is made stale."""
    try:
        figures.rebuild(using=database)
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    logger.info("Figures rebuilt")


@shared_task(bind=True, max_retries=images.RENDITIONS_MAX_RETRIES)
def make_picture_renditions(self, picture_pk, name):
    """The renditions of a partnership picture (core.images.renditions_task). A picture
    replaced meanwhile keeps its files (partnerships/models/media.py)."""
    from .models import Picture

    showing = Picture._base_manager.filter(pk=picture_pk, image=name)
    return images.renditions_task(self, showing, name)
