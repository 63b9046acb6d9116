"""The cities app's tasks (docs/tasks.md): a city picture's renditions, off the request path."""

from celery import shared_task

from core import images

from .models import City


@shared_task(bind=True, max_retries=images.RENDITIONS_MAX_RETRIES)
def make_renditions(self, city_pk, name):
    """Make the renditions of the picture `name` of city `city_pk`; mark them ready, or failed
    (core.images.renditions_task). A city's picture replaced meanwhile had its old files removed
    by the replacing save, before these were written: they are removed here, unless the file is
    shown again."""

    def remove_unless_shown(storage, widths):
        if not City._base_manager.filter(image=name).exists():
            images.delete_stored(storage, name, widths)

    showing = City._base_manager.filter(pk=city_pk, image=name)
    return images.renditions_task(self, showing, name, on_replaced=remove_unless_shown)
