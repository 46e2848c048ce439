"""The one settings module. Everything that differs between machines comes from the environment.

Two modes:
- embedded demo (no DATABASE_URL): SQLite file under var/, jobs run inline after commit, e-mail
  printed to the console, DEBUG on;
- production (DATABASE_URL set): PostgreSQL, Redis-backed queues, SMTP, a required secret key,
  secure cookies, HSTS. `manage.py check --deploy` is clean in this mode.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from trustconsole.env import env_bool, env_int, env_list, env_str, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASE_URL = env_str("DATABASE_URL")
PRODUCTION = bool(DATABASE_URL)
REDIS_URL = env_str("REDIS_URL")
# wsgi.py sets this before Django loads: only web processes pool connections, so forked RQ work
# horses never inherit a pooled connection from their parent.
WEB_PROCESS = os.environ.get("TRUSTCONSOLE_WEB_PROCESS") == "1"

DEBUG = not PRODUCTION and env_bool("DEBUG", True)

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set to at least 50 random characters in production "
            "(DATABASE_URL is set). Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the console's host names in production.")
else:
    # Only for the local demo; a production install always has DATABASE_URL and its own key.
    SECRET_KEY = env_str("SECRET_KEY") or "demo-only-insecure-key-never-used-when-DATABASE_URL-is-set-0123456789"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "trustconsole.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "django_rq",
    "ninja",
    "axes",
    "reputation",
    "cases",
    "standards",
    "dashboards",
    # Last, so that its ready() sees every ModelAdmin that autodiscovery registered.
    "trustconsole",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trustconsole.middleware.session_renewal",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trustconsole.urls"
WSGI_APPLICATION = "trustconsole.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "trustconsole.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
if PRODUCTION:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
    # Server-side cursors cost three round trips per .iterator() (form choices on every page) and
    # do not survive a transaction-pooling proxy; the console's reads are all small.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
    if WEB_PROCESS and env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": 10,
        }
    # A read replica for dashboards and exports (trustconsole/replica.py). In tests it mirrors the
    # test database, which is how Django tests primary/replica set-ups.
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_health_checks=True)
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH") or BASE_DIR / "var" / "demo.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # IMMEDIATE takes the write lock at BEGIN, which serialises audit-chain appends the
            # way the advisory lock does on PostgreSQL.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["trustconsole.replica.ReplicaRouter"]
REPLICA_READS_DATABASE = "replica" if "replica" in DATABASES else "default"

# --- background jobs ------------------------------------------------------------------------
# With no REDIS_URL, trustconsole.jobs runs jobs inline after commit; RQ_QUEUES still has to
# exist for django-rq to import.
JOB_QUEUES = ("ingest", "default", "reputation", "notify")
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600, "ASYNC": bool(REDIS_URL)}
    for name in JOB_QUEUES
}
RQ = {"COMMIT_MODE": "on_db_commit"}
RQ_SHOW_ADMIN_LINK = bool(REDIS_URL)

# --- authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend's rules with one query per request for permissions and roles.
    "trustconsole.auth_backend.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Analysts work eight-hour shifts: the session ends after eight idle hours, renewed at most every
# five minutes of activity (trustconsole.middleware.session_renewal), not written on every request.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_RENEW_SECONDS = 5 * 60
# Sessions are read from the cache (Redis) and written through to the database, which stays the
# record: every page reads its session, and a cache read costs a third of a query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- e-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trust & Safety <trust@marketplace.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL", "smtp://localhost:25" if PRODUCTION else "console://"))}

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
DEMO_LOADERS = ["reputation.demo.load", "cases.demo.load", "standards.demo.load", "dashboards.demo.load"]
API_TOKEN_AUTHENTICATOR = "cases.services.api_clients.authenticate_token"  # noqa: S105 - a dotted path, not a secret
# The API reads bodies up to 1 MiB itself and answers 413 past that.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024 + 1

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# A claim is a lease: it lapses after this many idle minutes unless the open case page renews it.
CASE_LEASE_MINUTES = env_int("CASE_LEASE_MINUTES", 15)
# The notices outbox: attempts before a notice is marked failed, and the first retry delay
# (doubling each time).
NOTICE_MAX_ATTEMPTS = env_int("NOTICE_MAX_ATTEMPTS", 6)
NOTICE_RETRY_SECONDS = env_int("NOTICE_RETRY_SECONDS", 60)
# How long an account may appeal an applied action.
APPEAL_WINDOW_DAYS = env_int("APPEAL_WINDOW_DAYS", 182)
# "Every case matching the filters" in bulk work stops at this many cases.
BULK_CASE_CAP = env_int("BULK_CASE_CAP", 500)
# Processes the nightly score recompute spreads its chunks over (PostgreSQL only): one per core
# the worker machine can spare. One keeps it in the job's own process.
RECOMPUTE_WORKERS = env_int("RECOMPUTE_WORKERS", 1)
