"""The cities app's tasks (docs/tasks.md): a city picture's renditions, off the request path."""

import functools
import logging

from celery import shared_task

from core import images, tasks
from core.page_cache import bump_content_version

from .models import City

logger = logging.getLogger(__name__)

# A storage that does not answer gets about ten minutes to come back: 10, 20, 40, 80, 160,
# 320 s (each plus up to a quarter more, so that many waiting tasks do not retry at once).
MAX_RETRIES = 6
BACKOFF_SECONDS = 10

backoff = functools.partial(tasks.backoff, first_seconds=BACKOFF_SECONDS)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def make_renditions(self, city_pk, name):
    """Make the renditions of the picture `name` of city `city_pk`; mark them ready, or failed.

    Idempotent: run again (a worker killed mid-task gives it back to the queue), it writes the
    same files under the same names and sets the same values. It never touches a newer picture:
    the city must still show `name`, when it starts and when it records the result.
    """
    if not City._base_manager.filter(pk=city_pk, image=name).exists():
        logger.info("City %s no longer shows %s: its renditions are not needed", city_pk, name)
        return None
    logger.info("Making the renditions of %s (city %s)", name, city_pk)
    storage = City._meta.get_field("image").storage
    try:
        widths = images.make_renditions(storage, name)
    except images.RenditionsRefused as error:
        return failed(city_pk, name, error)
    except Exception as error:  # the storage or the picture process: may pass on another try
        if self.request.retries >= self.max_retries:
            return failed(city_pk, name, error)
        countdown = backoff(self.request.retries)
        logger.warning(
            "Renditions of %s failed (%r); trying again in %.0f s", name, error, countdown
        )
        raise self.retry(exc=error, countdown=countdown) from error
    ready = City._base_manager.filter(pk=city_pk, image=name).update(
        image_renditions=widths, image_renditions_state=images.RenditionsState.READY
    )
    if not ready:
        # Replaced while they were made: the replacing save removed the old picture's files
        # before these were written, so they are removed here, unless the file is shown again.
        if not City._base_manager.filter(image=name).exists():
            images.delete_stored(storage, name, widths)
        return None
    bump_content_version()  # an update sends no signal; cached pages would keep the original
    logger.info("Renditions of %s made: %s", name, widths)
    return widths


def failed(city_pk, name, error):
    """Give up on the renditions: staff see the state in the admin, operators the ERROR."""
    logger.error("Renditions of %s (city %s) could not be made: %s", name, city_pk, error)
    City._base_manager.filter(pk=city_pk, image=name).update(
        image_renditions_state=images.RenditionsState.FAILED
    )
    bump_content_version()
    return None
