"""Settings for `make bench`: the production settings plus a URLconf with the framework's floor.

Everything comes from twinning/settings.py (read from the environment as in production); only
ROOT_URLCONF changes, to bench/urls.py, which adds /bench/floor/ beside the site's own pages.

BENCH_PAGE_CACHE (set by bench/run.sh): "off" sets the site's page-cache setting to 0 for the
"without cache" run; "on" leaves the production default (300 s with REDIS_URL; run.sh starts a
scratch Redis). The setting's name is BENCH_CACHE_SETTING (default PAGE_CACHE_SECONDS).
"""

import os

from twinning.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

_cache_setting = os.environ.get("BENCH_CACHE_SETTING", "PAGE_CACHE_SECONDS")
if os.environ.get("BENCH_PAGE_CACHE") == "off":
    globals()[_cache_setting] = 0
