# The shop's one image: web (gunicorn, the default command), Celery worker and beat, migrations.
#   docker build -t shop .
#   docker run -p 8000:8000 -e SECRET_KEY=... -e DATABASE_URL=... shop
#   docker run shop celery -A shop worker        # or: celery -A shop beat, python manage.py migrate
# Configuration comes only from the environment (README, Configuration); nothing secret is
# baked in. Build stage compiles nothing (every requirement ships wheels), so it only keeps
# pip's caches and build tools out of the final image.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=shop.settings \
    DEBUG=0 \
    LOG_FORMAT=json \
    MEDIA_ROOT=/app/media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 shop \
 && useradd --system --uid 10001 --gid shop --home-dir /app --shell /usr/sbin/nologin shop
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=shop:shop . /app
# Static files (admin, API docs) collected and compressed once, at build; WhiteNoise or nginx
# serve them. The key only lets settings load here; the real one comes from the environment.
# No metrics directory at build (even an empty one makes prometheus_client write files into
# the working directory): they would be baked into the image.
RUN env -u PROMETHEUS_MULTIPROC_DIR SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput -v0 \
 && mkdir -p /app/media \
 && chown -R shop:shop /app/media /app/var
USER shop
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
ENTRYPOINT ["/bin/sh", "/app/deploy/entrypoint.sh"]
CMD ["gunicorn", "shop.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
