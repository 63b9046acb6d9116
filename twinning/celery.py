"""The Celery application: tasks defined with `@shared_task` in the apps, configured from settings.

A worker: `make worker` (celery -A twinning worker). Without CELERY_BROKER_URL every task runs
in the process that sends it (settings: CELERY_TASK_ALWAYS_EAGER), so `make run` needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.settings")

app = Celery("twinning")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
