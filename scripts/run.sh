#!/usr/bin/env bash
# Serve the API with gunicorn on 127.0.0.1:8000, plus a Celery worker and beat.
# Ctrl-C (or any of the three exiting) stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BIND=${BIND:-127.0.0.1:8000}
mkdir -p var

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/celery -A shop worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}" &
pids+=($!)
$BIN/celery -A shop beat --loglevel=INFO --schedule var/celerybeat-schedule &
pids+=($!)
$BIN/gunicorn shop.wsgi:application --bind "$BIND" --workers "${WEB_WORKERS:-3}" \
    --access-logfile - &
pids+=($!)
echo "Serving on http://$BIND/ (API docs: http://$BIND/api/docs/). Ctrl-C stops everything."
wait -n
