"""A small closed-loop HTTP load generator for benchmarks on this machine (loopback only).

Each client is a thread with one keep-alive connection that sends its next request as soon as
the previous answer arrives; requests are bounded by count and time. Several processes share
the clients so the generator itself is not limited to one core by the GIL.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import statistics
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def line(self) -> str:
        return (
            f"{self.name:<36} {self.rps:>8.0f} req/s  p50 {self.p50_ms:6.1f} ms  "
            f"p95 {self.p95_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms  "
            f"({self.requests} requests, {self.errors} errors)"
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _client(
    urls: list[str],
    offset: int,
    headers: dict,
    deadline: float,
    max_requests: int,
    out,
    errors,
    method: str = "GET",
    bodies: list[bytes] | None = None,
):
    parts = urlsplit(urls[0])
    paths = [
        urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in urls
    ]
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    latencies = []
    failed = 0
    sent = offset
    while time.perf_counter() < deadline and len(latencies) + failed < max_requests:
        path = paths[sent % len(paths)]
        body = bodies[sent % len(bodies)] if bodies else None
        sent += 1
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                failed += 1
                continue
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
    conn.close()
    out.extend(latencies)
    errors.append(failed)


def _process(
    urls,
    first,
    headers,
    clients,
    seconds,
    max_requests,
    queue,
    method="GET",
    bodies=None,
    client_headers=None,
):
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    # Clients start at different places in the URL list, so they do not walk it in lockstep.
    step = max(1, len(urls) // 16)
    threads = []
    for i in range(clients):
        mine = headers
        if client_headers:  # one identity per client (a cart token, a bearer token)
            mine = {**headers, **client_headers[(first + i) % len(client_headers)]}
        threads.append(
            threading.Thread(
                target=_client,
                args=(urls, (first + i) * step, mine, deadline, max_requests, latencies, errors),
                kwargs={"method": method, "bodies": bodies},
            )
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, sum(errors)))


def run_load(
    name: str,
    url: str | list[str],
    *,
    concurrency: int = 16,
    seconds: float = 10.0,
    max_requests_per_client: int = 100_000,
    processes: int = 2,
    headers: dict | None = None,
    method: str = "GET",
    bodies: list[bytes] | None = None,
    client_headers: list[dict] | None = None,
) -> LoadResult:
    """Closed loop: `concurrency` clients for `seconds` (or until each sent
    `max_requests_per_client`). `url` may be a list: each client cycles through it.

    `method` and `bodies` (JSON bytes, cycled with the URLs) send writes; `client_headers`
    gives client i its own headers (`client_headers[i % len]`, e.g. a cart or bearer token).
    Any answer of 400 or more counts as an error."""
    urls = [url] if isinstance(url, str) else list(url)
    headers = {"Accept": "application/json", **(headers or {})}
    if bodies:
        headers.setdefault("Content-Type", "application/json")
    queue: mp.Queue = mp.Queue()
    per_process = [
        concurrency // processes + (i < concurrency % processes) for i in range(processes)
    ]
    started = time.perf_counter()
    workers = [
        mp.Process(
            target=_process,
            args=(urls, sum(per_process[:i]), headers, n, seconds, max_requests_per_client, queue),
            kwargs={"method": method, "bodies": bodies, "client_headers": client_headers},
        )
        for i, n in enumerate(per_process)
        if n
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        chunk, failed = queue.get()
        latencies.extend(chunk)
        errors += failed
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return LoadResult(
        name=name,
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 2),
        rps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p95_ms=pct(0.95),
        p99_ms=pct(0.99),
    )


def run_spec(name: str, spec: dict, *, concurrency: int, seconds: float) -> LoadResult:
    """`run_load` for a scenario described as a dict: `url` and, optionally, `headers`,
    `method`, `bodies` and `client_headers` (the form the api and http blocks use)."""
    return run_load(
        name,
        spec["url"],
        concurrency=concurrency,
        seconds=seconds,
        headers=spec.get("headers"),
        method=spec.get("method", "GET"),
        bodies=spec.get("bodies"),
        client_headers=spec.get("client_headers"),
    )
