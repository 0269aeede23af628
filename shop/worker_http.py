"""A Celery worker's HTTP side: /health/live, /health/ready and /metrics on WORKER_HTTP_BIND.

Workers serve no requests, but Kubernetes probes them like the web pods (deploy/k8s) and
Prometheus scrapes their counters (tasks run, reservations expired …). A small threaded server
in the worker's main process answers: live = the process runs; ready = the same checks as the
web's /health/ready (PostgreSQL, Redis, the broker); metrics = the counters of every pool
process (summed through PROMETHEUS_MULTIPROC_DIR).
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import connections
from django.http import HttpRequest
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger("shop.worker_http")


def _health(view) -> tuple[int, bytes]:
    """The web's own health view (shop/health.py), so a worker answers exactly as a pod does."""
    request = HttpRequest()
    request.method = "GET"
    try:
        response = view(request)
    finally:
        connections.close_all()  # this thread's own connections; probes come every few seconds
    return response.status_code, response.content


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        from shop import health
        from shop.metrics import registry

        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/metrics":
            self._send(200, generate_latest(registry()), CONTENT_TYPE_LATEST)
            return
        if path == "/health/live":
            status, body = _health(health.live)
        elif path == "/health/ready":
            status, body = _health(health.ready)
        else:
            error = {"code": "not_found", "message": "Not found.", "details": {}}
            status, body = 404, json.dumps({"error": error}).encode()
        self._send(status, body, "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        logger.debug("worker http: " + format, *args)


def serve(bind: str) -> ThreadingHTTPServer:
    """Start serving on `bind` ("host:port") in a daemon thread; returns the server."""
    host, _, port = bind.rpartition(":")
    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), _Handler)  # noqa: S104
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()
    logger.info("worker probes and metrics on http://%s/", bind)
    return server
