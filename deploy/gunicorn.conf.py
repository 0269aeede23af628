"""gunicorn settings for production (the Dockerfile's CMD; `gunicorn -c deploy/gunicorn.conf.py`).

Every value can be changed by environment variable without rebuilding the image.
"""

import os
import shutil

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Sync workers: each request holds one worker, so the count is the concurrency per pod. Two
# per core is a good start for this I/O-bound app; scale pods (the HPA) before workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # nginx's proxy_read_timeout matches
graceful_timeout = 25  # inside Kubernetes' 30 s termination grace period
keepalive = 5  # longer than nginx' upstream keepalive idle
# Recycle workers now and then, so a slow leak can never take a pod down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Heartbeat files in memory, not on the container's (maybe read-only, maybe slow) disk.
_SHM = "/dev/shm"  # noqa: S108 (gunicorn only creates its heartbeat files there)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%({x-request-id}i)s"'
# The proxy in front (nginx, an ingress) terminates TLS; Django decides from X-Forwarded-Proto
# (TRUST_PROXY_SSL_HEADER), so gunicorn need not trust any forwarder itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    # prometheus_client sums every worker's counters from files in this directory: start
    # empty, or the counters of the previous run would be added in.
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
