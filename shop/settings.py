"""Settings for the shop, read from environment variables with working local defaults.

Every variable is documented in the README. Nothing here connects to a service: a missing
service is reported by `manage.py preflight` (and `/health/ready`) in one line.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as default_cors_headers

from shop.config import (
    DEVELOPMENT_SECRET_KEY,
    ConfigError,
    check_signing_key,
    parse_throttle_rates,
    redis_url_with_db,
    refuse,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# Its own key, so rotating SECRET_KEY does not sign every customer out (and vice versa).
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# --- Production safety (README, "Running in production") --------------------------------
# With DEBUG=0 the process refuses to start with a development or weak key (one line).
if not DEBUG:
    try:
        check_signing_key("SECRET_KEY", SECRET_KEY)
        if "JWT_SIGNING_KEY" in env.ENVIRON:
            check_signing_key("JWT_SIGNING_KEY", JWT_SIGNING_KEY)
    except ConfigError as error:
        refuse(error)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# X-Forwarded-Proto is believed only behind a proxy that sets it (and strips the client's);
# otherwise any client could claim HTTPS.
TRUST_PROXY_SSL_HEADER = env.bool("TRUST_PROXY_SSL_HEADER", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_PROXY_SSL_HEADER else None
# HSTS is sent on HTTPS answers only, so plain HTTP keeps working with these defaults.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The API answers a CSRF failure in its error body (admin pages keep Django's page).
CSRF_FAILURE_VIEW = "shop.api.exceptions.csrf_failure_view"
# Request bodies above this answer 413 in the error body (shop.api.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# /health/ready names a failing service to anyone; the exception text only to staff or here.
HEALTH_DETAILS = env.bool("HEALTH_DETAILS", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_countries",
    "django_prometheus",
    "shop",
    "shop.events",
    "apps.accounts",
    "apps.catalog",
    "apps.inventory",
    "apps.promotions",
    "apps.cart",
    "apps.payments",
    "apps.search",
    "apps.orders",
]

# Each entry costs on every request (bench/README.md, "Hot paths"): keep only what pays.
MIDDLEWARE = [
    # The request counters and latency histograms the dashboard reads, for the whole chain.
    "shop.metrics.RequestMetricsMiddleware",
    # Before anything that can answer, so every API answer carries the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shop.api.middleware.RequestBodyLimitMiddleware",
    # Sessions, auth and messages for the admin and session-cookie requests only (the API
    # authenticates bearer tokens in DRF): shop/middleware.py.
    "shop.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request_id on every log line; per-request lines are gunicorn's access log (sampled here).
    "shop.logging.RequestContextMiddleware",
]
# admin.E408-E410 look for sessions, auth and messages in MIDDLEWARE by name; they run inside
# shop.middleware.BrowserSessionMiddleware for every admin request.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]
# The share of requests that also log a `request_finished` line (0 to 1).
REQUEST_LOG_SAMPLE_RATE = env.float("REQUEST_LOG_SAMPLE_RATE", default=0.0)

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"
# API paths are canonical without a trailing slash; the urls accept both, so no redirects.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/shop"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas (shop/db_routing.py): comma-separated postgres:// URLs of streaming replicas of
# DATABASE_URL. Empty (the default): no router, no middleware, every query on the primary.
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=5)
DATABASE_REPLICAS = [f"replica_{i}" for i in range(len(DATABASE_REPLICA_URLS))]
for _alias, _url in zip(DATABASE_REPLICAS, DATABASE_REPLICA_URLS, strict=True):
    DATABASES[_alias] = {
        **env.db_url_config(_url),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # The test suite reads its one test database through every alias.
        "TEST": {"MIRROR": "default"},
    }
    DATABASES[_alias].setdefault("OPTIONS", {})["connect_timeout"] = 3
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["shop.db_routing.ReplicaRouter"]
    # Before the session and auth middleware, so every query of the request is routed.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("shop.middleware.BrowserSessionMiddleware"),
        "shop.db_routing.ReadYourWritesMiddleware",
    )

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Carts and rate limits are data, the cache is not: they live in a Redis database (or
# instance) of their own, so a cache flush or the cache's eviction policy never drops a cart.
# Default: REDIS_URL's server with the next database number. README: maxmemory-policy.
try:
    CART_REDIS_URL = env.str("CART_REDIS_URL", default="") or redis_url_with_db(REDIS_URL)
except ConfigError as error:
    refuse(error)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "shop",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# gunicorn serves the admin's and the API docs' static files through WhiteNoise; in DEBUG it
# finds them in the apps directly, in production from `collectstatic` into STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- API -------------------------------------------------------------------------------


try:
    THROTTLE_RATES = parse_throttle_rates(
        env.str("THROTTLE_RATES", default="anon=100/min,user=1000/min,login=10/min")
    )
except ConfigError as error:
    refuse(error)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON in and out (API.md): form bodies answer 415, so a cross-origin browser write
    # always needs a CORS preflight, and the schema documents one request format.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "shop.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "shop.api.throttling.AnonRateThrottle",
        "shop.api.throttling.UserRateThrottle",
    ],
    "EXCEPTION_HANDLER": "shop.api.exceptions.exception_handler",
    "DEFAULT_METADATA_CLASS": "shop.api.metadata.Metadata",
    "DEFAULT_SCHEMA_CLASS": "shop.api.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of the app; 0 trusts only REMOTE_ADDR, so X-Forwarded-For cannot be
    # spoofed to dodge per-address rate limits. Behind one load balancer set NUM_PROXIES=1.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "REST API of the shop backend: catalog, search, cart, checkout, orders, "
    "payments, inventory, promotions and accounts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields of one name with different choices (`type` of addresses and promotions, `status`
    # of orders and products): each enum gets its own name, not `Type342Enum`.
    "ENUM_NAME_OVERRIDES": {
        "AddressTypeEnum": "apps.accounts.models.Address.Type",
        "PromotionTypeEnum": "apps.promotions.rules.TYPES",
        "OrderStatusEnum": "apps.orders.state_machine.Status",
        "ProductStatusEnum": "apps.catalog.models.Product.Status",
    },
    # Operations are tagged by app (shop.api.schema.AutoSchema); this orders the tags.
    "TAGS": [
        {"name": "accounts", "description": "Sign-in, sessions, profile and addresses."},
        {"name": "catalog", "description": "Products, variants, categories, brands, reviews."},
        {"name": "search", "description": "Full-text search, facets and suggestions."},
        {"name": "cart", "description": "The Redis cart (X-Cart-Token, If-Match)."},
        {"name": "orders", "description": "Checkout, orders, refunds and returns."},
        {"name": "payments", "description": "Provider webhooks and the dummy provider."},
        {"name": "inventory", "description": "Warehouses, stock levels and movements (staff)."},
        {"name": "promotions", "description": "Promotions and coupons (staff)."},
    ],
}

# --- Browser storefronts on other origins (django-cors-headers) -------------------------
# Empty by default: no other origin may call the API from a browser until listed here.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_cors_headers, "if-match", "x-cart-token", "idempotency-key")
CORS_EXPOSE_HEADERS = ["ETag", "X-Cart-Token", "Retry-After"]
# Bearer tokens, not cookies: browsers need not send credentials cross-origin.
CORS_ALLOW_CREDENTIALS = False

# --- Tasks -----------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
# Publishing must not hang a request when the broker is down: the outbox sweep re-sends.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_PUBLISH_RETRY = False
# host:port where a Celery worker serves /health/live, /health/ready and /metrics
# (shop/worker_http.py), e.g. 0.0.0.0:9808 in a container; empty: none.
WORKER_HTTP_BIND = env.str("WORKER_HTTP_BIND", default="")

# --- Domain settings -------------------------------------------------------------------

SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="USD")
SHOP_NAME = env.str("SHOP_NAME", default="Shop")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000")
RESERVATION_TTL_SECONDS = env.int("RESERVATION_TTL_SECONDS", default=600)
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=99)
CART_TTL_ANONYMOUS_SECONDS = env.int("CART_TTL_ANONYMOUS_SECONDS", default=24 * 3600)
CART_TTL_USER_SECONDS = env.int("CART_TTL_USER_SECONDS", default=7 * 24 * 3600)
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
PRODUCT_CACHE_SECONDS = env.int("PRODUCT_CACHE_SECONDS", default=3600)
# The in-process copy of the hottest cached reads (shop/read_cache.py, "L1"): dropped in every
# process by a Redis message within milliseconds of a committed change; this is its longest
# life should a message ever be lost without the listener noticing. 0 turns it off.
READ_CACHE_L1_SECONDS = env.int("READ_CACHE_L1_SECONDS", default=30)
EMAIL_TOKEN_MAX_AGE_SECONDS = env.int("EMAIL_TOKEN_MAX_AGE_SECONDS", default=3 * 24 * 3600)
PASSWORD_RESET_MAX_AGE_SECONDS = env.int("PASSWORD_RESET_MAX_AGE_SECONDS", default=3600)
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Outbox events handled by every handler are deleted after this many days (shop/retention.py).
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)
# An idempotency claim older than this is taken to have crashed and may be claimed again:
# keep it above the longest a request can run (gunicorn's --timeout, 30 s by default).
IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS", default=60)

ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
# Search (apps/search): Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL.
SEARCH_ES_INDEX = env.str("SEARCH_ES_INDEX", default="shop-products")  # an alias
SEARCH_ES_TIMEOUT = env.float("SEARCH_ES_TIMEOUT", default=2.0)  # seconds per request
SEARCH_ES_RETRY_SECONDS = env.int("SEARCH_ES_RETRY_SECONDS", default=10)  # after a failure
SEARCH_CACHE_SECONDS = env.int("SEARCH_CACHE_SECONDS", default=300)
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="dummy")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# The SDK retries a failed network call itself (with the same idempotency key), then gives up.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)

# --- Email -----------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if "EMAIL_FILE_PATH" in env.ENVIRON:
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)

# --- Logging ---------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console")  # console | json
DJANGO_STRUCTLOG_CELERY_ENABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"()": "shop.logging.formatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django_structlog": {"level": LOG_LEVEL},
    },
}

from shop.logging import configure_structlog  # noqa: E402

configure_structlog()
