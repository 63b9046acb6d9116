"""Settings for Twinning, read from the environment.

Safe by default: DEBUG is off unless DEBUG=1 is set, and without DEBUG the site refuses to
start unless SECRET_KEY is provided. The database is SQLite unless DATABASE_URL says otherwise.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable, "
            "or DEBUG=1 for local development."
        )
    # Development only: a fresh key per process (sessions end when the server restarts).
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: its translation fields and admin classes patch the models first.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_countries",
    "django_extensions",
    "django_filters",
    "csp",
    "axes",
    "reversion",
    # Two-factor sign-in (accounts/twofactor.py): authenticator apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The JSON API's library (api/): in the apps so its documentation page uses the Swagger UI
    # files it ships (served from here: no CDN), not a CDN copy.
    "ninja",
    "core",
    "history",
    "twinning",
    "cities",
    "partnerships",
    "accounts",
    "api",
]

MIDDLEWARE = [
    # First: a request for a host not in ALLOWED_HOSTS is one WARNING line, not a stack trace.
    "twinning.middleware.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, feeds and exports gzip-compressed for clients that accept it (static files come
    # pre-compressed from whitenoise). Outside ConditionalGet: the ETag is taken from the page
    # itself and made weak on compression. Django pads the gzip stream against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # ETag from the content and 304 for a repeat request, when the page cache has not answered.
    "django.middleware.http.ConditionalGetMiddleware",
    # Inside those two, so the ETag and the compression are of the cleaned text.
    "twinning.middleware.StripControlCharactersMiddleware",
    # Outside LocaleMiddleware, so the redirects it makes (/ → /en/) carry the headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the header's text built once per process (twinning/middleware.py).
    "twinning.middleware.ContentSecurityPolicyMiddleware",
    # Before anything reads the Host header: a load balancer probes with the node's address.
    "twinning.middleware.HealthCheckMiddleware",
    # A page this process served lately, when still current, answered before everything below
    # runs (core/page_cache.py); the middleware above still add their headers and compress it.
    "core.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the address (/de/…); on an address without one, from Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # In the admin: a code first, or two-factor set-up first where it is required.
    "accounts.middleware.TwoFactorMiddleware",
    # Outside axes, so that its lockout page is marked too.
    "twinning.middleware.AdminNoIndexMiddleware",
    # django-axes wants to be last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "twinning.urls"

# After sign-in without a safe "next": the admin home (Django's default is a 404 here).
LOGIN_REDIRECT_URL = "admin:index"


def admin_url_from_env():
    """Where the admin lives: ADMIN_URL, e.g. "staff-7f3a/" (default "admin/").

    A path of its own makes the staff sign-in harder to find for scripts that try /admin/.
    """
    value = os.environ.get("ADMIN_URL", "admin/")
    segments = value.split("/")[:-1]
    if not re.fullmatch(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/", value) or any(
        segment.strip(".") == "" for segment in segments
    ):
        raise ImproperlyConfigured(
            f"ADMIN_URL={value!r} is not a valid admin path. It must end with “/”, must not "
            "start with “/”, and may hold only letters, digits and . _ ~ - between slashes "
            "(not “.” or “..” alone), e.g. ADMIN_URL=staff-7f3a/."
        )
    return value


ADMIN_URL = admin_url_from_env()

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "twinning.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection is checked before reuse, so a database restart costs no request
        # made after it is back.
        conn_health_checks=True,
    )
}
# The figures the database's triggers keep (partnerships/figures.py) stay out of dumps.
DATABASE_ROUTERS = ["partnerships.routers.DerivedFiguresRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent admin saves on SQLite: a transaction takes the write lock when it begins, and
    # waits up to 20 s for it, instead of failing with "database is locked" when two
    # transactions that have read both try to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's price of a random page read, for the SSDs the site runs on (PostgreSQL's
    # default of 4 is for spinning disks). At 4 it hashed all 17,141 cities for the 221 matches
    # of a free-text search rather than look them up by key (15 → 1.5 ms; search 26 → 6 ms, the
    # calendar 9 → 5 ms at world scale). PG_RANDOM_PAGE_COST=4 restores the default.
    random_page_cost = os.environ.get("PG_RANDOM_PAGE_COST", "1.1")
    try:
        if not 0 < float(random_page_cost) < float("inf"):
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"PG_RANDOM_PAGE_COST must be a positive number, not {random_page_cost!r}."
        ) from None
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={float(random_page_cost)}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("zh-hans", _("Simplified Chinese")),
]
# Content in three languages (django-modeltranslation, docs/i18n-choice.md): English is the
# original; a field left empty in German or Chinese falls back to the English text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# A language's column is labelled "Summary (German)", not "Summary [de]", in every form and
# admin list; the label and the language's name follow the admin's language.
CONTENT_LANGUAGE_NAMES = {"en": _("English"), "de": _("German"), "zh-hans": _("Chinese")}


def _localized_verbose_name(verbose_name, language):
    return _("%(field)s (%(language)s)") % {
        "field": verbose_name,
        "language": CONTENT_LANGUAGE_NAMES.get(language, language),
    }


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _localized_verbose_name
# Kosovo has no ISO 3166-1 code; XK, from ISO's user-assigned range, is the code Wikidata, the
# EU and most data use for it (the importer's country list reads "Kosovo" as XK). Its name is
# translated here: django-countries' catalogues know only ISO's names.
COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# The site's English dates are British-style ("16 October 2009"): core/formats/en/.
FORMAT_MODULE_PATH = ["core.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Let Django serve uploaded images (development and single-server sites); off behind a proxy.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # whitenoise's compressed, hashed files, each address worked out once.
            else "core.static_storage.StaticStorage"
        )
    },
}

# Uploads on an S3-compatible object store (django-storages, docs/deploy.md "Object storage")
# when AWS_STORAGE_BUCKET_NAME is set, so that every app server sees every picture; otherwise
# MEDIA_ROOT above. The variables are django-storages' own.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
MEDIA_ORIGINS = []  # where pictures are served from, if not this site (for the CSP)
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as S3ClientConfig

    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None  # None: AWS itself
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    # Pictures are public: plain addresses, stable (cached pages and browsers keep them), read
    # through a bucket policy. AWS_QUERYSTRING_AUTH=1 signs every address instead (a private
    # bucket); they then expire after AWS_QUERYSTRING_EXPIRE seconds, which must outlast
    # PAGE_CACHE_SECONDS.
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", default=False)
    AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600"))
    # A CDN or the bucket's own public host name, e.g. media.example.org.
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_S3_URL_PROTOCOL = os.environ.get("AWS_S3_URL_PROTOCOL", "https:")
    AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE") or None
    # No ACL per object by default: buckets made today refuse them (public reading is the
    # bucket policy's job). "public-read" for a store that still uses ACLs.
    AWS_DEFAULT_ACL = os.environ.get("AWS_DEFAULT_ACL") or None
    # A stored file is never replaced: names are random, and a clash gets a new name.
    AWS_S3_FILE_OVERWRITE = False
    # A stored picture never changes (a new upload gets a new name): cached for a year.
    AWS_S3_OBJECT_PARAMETERS = {
        "CacheControl": (
            f"private, max-age={AWS_QUERYSTRING_EXPIRE}"
            if AWS_QUERYSTRING_AUTH
            else "public, max-age=31536000, immutable"
        )
    }
    # A store that does not answer holds a worker for seconds, not minutes: short timeouts and
    # one retry. Replaces django-storages' own client config, hence the addressing style here.
    AWS_S3_CLIENT_CONFIG = S3ClientConfig(
        connect_timeout=float(os.environ.get("AWS_S3_CONNECT_TIMEOUT", "2")),
        read_timeout=float(os.environ.get("AWS_S3_READ_TIMEOUT", "5")),
        retries={
            "mode": "standard",
            "max_attempts": int(os.environ.get("AWS_S3_MAX_ATTEMPTS", "2")),
        },
        s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
        signature_version="s3v4",
    )

    def s3_origins():
        """Where the store's addresses point (as botocore builds them), for the CSP."""
        if AWS_S3_CUSTOM_DOMAIN:
            return [f"{AWS_S3_URL_PROTOCOL}//{AWS_S3_CUSTOM_DOMAIN}"]
        if AWS_S3_ENDPOINT_URL:  # path style, unless asked otherwise
            scheme, _sep, rest = AWS_S3_ENDPOINT_URL.partition("://")
            host = rest.split("/")[0]
            if AWS_S3_ADDRESSING_STYLE == "virtual":
                host = f"{AWS_STORAGE_BUCKET_NAME}.{host}"
            return [f"{scheme}://{host}"]
        region = AWS_S3_REGION_NAME or "us-east-1"
        if AWS_S3_ADDRESSING_STYLE == "path":
            return [f"https://s3.{region}.amazonaws.com", "https://s3.amazonaws.com"]
        return [
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{region}.amazonaws.com",
        ]

    MEDIA_ORIGINS = s3_origins()

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Uploaded images (core/images.py): a larger file, or a picture of more pixels (read from
# its header, before decoding), is refused with a form error. Keep MAX_IMAGE_PIXELS below Pillow's
# own limit (about 89 megapixels). Accepted pictures are re-encoded and stored with renditions of
# these widths (never wider than the picture) for `srcset`.
MAX_IMAGE_UPLOAD_BYTES = int(os.environ.get("MAX_IMAGE_UPLOAD_BYTES", str(5 * 1024 * 1024)))
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
IMAGE_RENDITION_WIDTHS = [480, 960, 1600]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Twinnings files imported from the admin (README, "Importing known twinnings"): the largest
# upload (the world list is 1.8 MB), the rows per batch (progress and the cancel check come with
# each), and how long a running import may go without a batch before it counts as abandoned
# (its worker killed): a redelivered task then resumes it, and Cancel stops it at once.
MAX_IMPORT_UPLOAD_BYTES = int(os.environ.get("MAX_IMPORT_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# A partnership's PDF documents (partnerships/models/media.py): a larger upload is refused with
# a form error. DATA_UPLOAD_MAX_MEMORY_SIZE does not limit files, so this is the only cap.
MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "1000"))
IMPORT_STALE_SECONDS = int(os.environ.get("IMPORT_STALE_SECONDS", "120"))
# A published partnership is due for review this many months after its publication or its last
# review ("Reviewed, still correct"); staff can move the date (docs/tasks.md, "Review dates").
REVIEW_INTERVAL_MONTHS = int(os.environ.get("REVIEW_INTERVAL_MONTHS", "12"))

# Login protection (django-axes): after AXES_FAILURE_LIMIT failed sign-ins the account (from any
# address) and the address (for any account) are refused for AXES_COOLOFF_TIME; a successful
# sign-in clears the count. Unknown usernames count and lock out like real ones.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "twinning/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Failures and lockouts are still logged; this only drops the start-up banner on every command.
AXES_VERBOSE = False
# Behind N reverse proxies every request comes from a proxy: the visitor's address is then read
# from X-Forwarded-For as the proxies appended it (core/client_ip.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# Two-factor sign-in (accounts/twofactor.py, django-otp): required for superusers and publishers
# (offered to editors) unless TWO_FACTOR_REQUIRED=0. Whoever has set it up gives a code at every
# sign-in either way. The tests turn the requirement off (pyproject.toml) and on where they test it.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=True)
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Twinning")
# Wrong codes in a row slow further tries down (1, 2, 4 … seconds), besides the axes lockout.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# An invitation's link to set a password works this long (and once).
INVITATION_TIMEOUT_DAYS = int(os.environ.get("INVITATION_TIMEOUT_DAYS", "7"))

# Cache: Redis when REDIS_URL is set (shared by every app server), else this process's memory.
# Redis only accelerates: refused, hung or slow, it is skipped (core/resilient_cache.py) after
# CACHE_SOCKET_TIMEOUT seconds, and tried again every CACHE_RETRY_SECONDS. Sessions and the
# sign-in lockout are kept in the database, so they never depend on it.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_SOCKET_TIMEOUT = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.25"))
CACHES = {
    "default": (
        {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
                "retry_seconds": float(os.environ.get("CACHE_RETRY_SECONDS", "5")),
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Task queue (docs/tasks.md): Celery with CELERY_BROKER_URL as its broker (the Redis of the
# cache, a database of its own: redis://host:6379/1). Without one, tasks run in the process that
# sends them, so the demo needs no broker and no worker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, a task sent with enqueue(..., background=True) (the admin's import) runs in a
# thread of the web process, so the request answers at once and the run's page shows progress.
# The tests turn it off (pyproject.toml) to see the task's work when the request returns.
EAGER_TASKS_IN_THREADS = env_bool("EAGER_TASKS_IN_THREADS", default=True)
# A task is acknowledged once it has run, and given back when its worker dies: nothing is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down or hung must not hold a request: core.tasks.enqueue sends once, without
# retrying, and runs the task in-process when that fails; these bound how long it waits.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_TIMEOUT", "2"))
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker waits for the broker to come up
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: how long a task taken by a worker that then vanished (killed, machine lost) waits
    # before another worker gets it. Longer than any task runs, or a slow one would run twice.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT * 2,
}
# The project's logging (JSON lines on stdout), not Celery's own, in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Timed jobs, run by the scheduler (`celery beat`; `make worker` starts one inside its worker).
CELERY_BEAT_SCHEDULE = {
    "refresh-search-index-nightly": {
        "task": "partnerships.tasks.refresh_search_index",
        "schedule": crontab(hour=3, minute=17),
    },
    # Scheduled go-lives and take-downs (partnerships/scheduling.py), within a minute of their
    # time. A run missed (no worker) expires rather than piling up: the next one does its work.
    # Vitality counts months from today: refreshed each night (partnerships/vitality.py).
    "refresh-vitality-nightly": {
        "task": "partnerships.tasks.refresh_vitality",
        "schedule": crontab(hour=3, minute=41),
    },
    # The maintained figures (partnerships/figures.py): their float sums set exact again.
    "rebuild-figures-nightly": {
        "task": "partnerships.tasks.rebuild_figures",
        "schedule": crontab(hour=3, minute=53),
    },
    "publish-scheduled-every-minute": {
        "task": "partnerships.tasks.publish_scheduled",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
}

# Vitality of a partnership (partnerships/vitality.py, docs/intelligence.md): quiet after this
# many months without a dated record, dormant after this many; also quiet when the last 12
# months hold less than DROP_SHARE of its usual yearly records (the mean of PAST_YEARS years
# before), for partnerships with at least DROP_MIN_PER_YEAR records a year.
VITALITY_QUIET_AFTER_MONTHS = int(os.environ.get("VITALITY_QUIET_AFTER_MONTHS", "12"))
VITALITY_DORMANT_AFTER_MONTHS = int(os.environ.get("VITALITY_DORMANT_AFTER_MONTHS", "36"))
VITALITY_PAST_YEARS = int(os.environ.get("VITALITY_PAST_YEARS", "3"))
VITALITY_DROP_SHARE = float(os.environ.get("VITALITY_DROP_SHARE", "0.5"))
VITALITY_DROP_MIN_PER_YEAR = int(os.environ.get("VITALITY_DROP_MIN_PER_YEAR", "2"))
if not 0 < VITALITY_QUIET_AFTER_MONTHS < VITALITY_DORMANT_AFTER_MONTHS:
    raise ImproperlyConfigured(
        "VITALITY_QUIET_AFTER_MONTHS must be above 0 and below VITALITY_DORMANT_AFTER_MONTHS."
    )

# E-mail (docs/deploy.md, "E-mail"), sent by core.mail through the task queue. Django's own
# setting names, from environment variables of the same names.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")  # TLS from the first byte, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
EMAIL_PORT = int(
    os.environ.get("EMAIL_PORT", "") or (587 if EMAIL_USE_TLS else 465 if EMAIL_USE_SSL else 25)
)
# A server that does not answer holds a worker this long per try, not minutes (the task retries).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The site's own address, for the links in e-mail (sent by a task, with no request to ask).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/") or "http://localhost:8000"
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# SMTP when a server is named. Without one: with DEBUG the console (`make run` prints each
# e-mail); in production core.mail.LogOnlyBackend, which sends nothing and logs a WARNING with
# the recipients and the subject only. Not the console backend there: it would write whole
# messages (links, reviewers' comments) into the JSON log stream, breaking its lines.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "core.mail.LogOnlyBackend"
)

# Whole public pages are cached for this long (core/page_cache.py). It needs a cache every
# app server shares, so it is off unless REDIS_URL is set.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300" if REDIS_URL else "0"))
# A page missing from the cache is rendered by one request while the others asking for it wait
# for its copy, at most this many seconds (then they render it too); also how long a render lock
# outlives a worker that died holding it. 0: every request that misses renders the page.
PAGE_CACHE_LOCK_WAIT = float(os.environ.get("PAGE_CACHE_LOCK_WAIT", "3"))
# Each process also keeps the pages it served lately, up to this many bytes, and serves them
# while the shared cache's content version says they are current: a hit then reads only the
# version from the shared cache, not the page. 0: always read the page from the shared cache.
PAGE_CACHE_LOCAL_BYTES = int(os.environ.get("PAGE_CACHE_LOCAL_BYTES", str(16 * 1024 * 1024)))

# The JSON API (api/, docs/open-data.md): at most this many requests per period (seconds) from
# one client address, counted in the shared cache (not counted while it is unavailable).
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "60"))
API_RATE_PERIOD = int(os.environ.get("API_RATE_PERIOD", "60"))

# HTTPS: on by default in production, off for local development (DEBUG=1).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes over plain HTTP
if env_bool("TRUST_X_FORWARDED_PROTO"):
    # Only behind a proxy that sets this header itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: everything from this site only; no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to stdout, one JSON object per line (LOG_FORMAT=plain for reading by eye).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
