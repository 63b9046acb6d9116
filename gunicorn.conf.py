"""gunicorn settings for `make serve`, read from the environment (see docs/deploy.md)."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# How many client connections a worker holds at once, idle keep-alive ones included (gunicorn's
# default 1000). Behind nginx (deploy/nginx.conf.example: no upstream keepalive) each request is
# a new connection and the workers share them; `make bench` sets it to split its keep-alive
# connections evenly between the workers (bench/load.sh).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Only the reverse proxy's address may tell us the client's scheme and address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Import every view before the first request, then freeze what is loaded: the garbage
    collector then never walks the framework's and the app's long-lived objects again, and its
    full collections, which pause every thread of the worker, take a fraction of the time."""
    import gc

    from django.urls import get_resolver

    from core.warmup import warm_up

    get_resolver().url_patterns  # noqa: B018 (reading it imports every app's URLs and views)
    warm_up()  # what the first request would do once: URL tables, catalogs, templates
    gc.freeze()
