"""A minimal-stack yardstick: a Django project as `startproject` makes it, less sessions and
messages (and so less auth, which needs sessions), one JSON view, no database, no apps.

Served by the same gunicorn shape as the shop (bench/server.py), it measures what Django and
gunicorn cost on this machine; `http.json` reports every endpoint against it as well as
against the shop's own bare view (which runs through the shop's whole request stack).
"""

SECRET_KEY = "bench-minimal-not-secret-" + "x" * 40  # a yardstick: no data, no sessions
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.minimal.urls"
WSGI_APPLICATION = "bench.minimal.wsgi.application"
DATABASES: dict = {}
USE_TZ = True
