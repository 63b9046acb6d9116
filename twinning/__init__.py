# Loaded with Django, so that `@shared_task` in the apps binds to the project's Celery app.
from .celery import app as celery_app

__all__ = ["celery_app"]
