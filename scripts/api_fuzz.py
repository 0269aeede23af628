"""Fuzz the live API with schemathesis, from its own OpenAPI schema, as a user and as staff.

    .venv/bin/python scripts/api_fuzz.py                  # both roles, 25 cases per operation
    .venv/bin/python scripts/api_fuzz.py --max-examples 100 --roles staff --seed 7

It serves the shop under gunicorn on a free loopback port with its own database
(`<DATABASE_URL's name>_fuzz`, recreated, a small demo catalog) and Redis databases 12
(cache) and 13 (carts) on REDIS_URL's server, throttles raised, tasks run eagerly (no
worker or broker traffic) and mails kept in memory. For each role it runs

    schemathesis run <server>/api/schema/?format=json --checks all -H "Authorization: Bearer …"

in every phase that applies (examples, coverage, fuzzing; the schema has no links, so no
stateful phase), prints schemathesis' own summary and saves a JUnit report under
var/schemathesis/<role>/. Exits 1 when any role has a failure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THROTTLES_RAISED = "anon=1000000/min,user=1000000/min,login=1000000/min"
PASSWORD = "fuzz-passphrase-4711"


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def fuzz_environment() -> dict[str, str]:
    database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
    name = urlsplit(database).path.strip("/") or "shop"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": _with_path(database, f"/{name}_fuzz"),
        "REDIS_URL": _with_path(redis_url, "/12"),
        "CART_REDIS_URL": _with_path(redis_url, "/13"),
        "THROTTLE_RATES": THROTTLES_RAISED,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "JWT_ACCESS_MINUTES": "240",
        "LOG_LEVEL": "ERROR",  # 4xx are the point here; 5xx still show
        "PAYMENT_PROVIDER": "dummy",
    }


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str]) -> dict[str, str]:
    """A fresh database with a small catalog and two users; their access tokens by role."""
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from psycopg import sql

    from shop.health import server_connect

    name = settings.DATABASES["default"]["NAME"]
    with server_connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for url in (settings.REDIS_URL, settings.CART_REDIS_URL):
        redis.Redis.from_url(url).flushdb()
    manage("migrate", "--noinput", "-v", "0", env={**os.environ})
    manage("seed_demo", "--products", "40", "-v", "0", env={**os.environ})

    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User

    users = {
        "user": User.objects.create_user(
            email="fuzz-user@example.com", password=PASSWORD, first_name="Fuzz"
        ),
        "staff": User.objects.create_user(
            email="fuzz-staff@example.com", password=PASSWORD, is_staff=True
        ),
    }
    return {role: str(RefreshToken.for_user(user).access_token) for role, user in users.items()}


SUMMARY = re.compile(r"^(Operations|Test cases|Failures|Errors|Warnings|Seed|Test Phases|=+ .* =+)")


def run_schemathesis(base: str, role: str, token: str, args: argparse.Namespace) -> int:
    report = ROOT / "var" / "schemathesis" / role
    report.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(ROOT / "scripts" / "schemathesis.toml"),
        "run",
        f"{base}/api/schema/?format=json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        "--generation-database",
        "none",
        "--suppress-health-check",
        "too_slow,filter_too_much",
        "--no-color",
    ]
    print(f"\n=== schemathesis as {role} " + "=" * 50, flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    (report / "output.txt").write_text(result.stdout + result.stderr)
    print(result.stdout if args.verbose else _summary(result.stdout), flush=True)
    if result.stderr.strip():
        print(result.stderr, file=sys.stderr)
    return result.returncode


def _summary(output: str) -> str:
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "FAILURES" in line), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), len(lines) - 30)
    return "\n".join(lines[max(start, 0) :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25, help="cases per operation")
    parser.add_argument("--seed", type=int, default=1)
    # One worker: Python 3.11.7's ast module is not thread-safe (CPython gh-106905), which
    # hypothesis' strategy descriptions hit now and then with several schemathesis threads.
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers")
    parser.add_argument("--roles", default="user,staff", help="user, staff or both")
    parser.add_argument("--verbose", action="store_true", help="schemathesis' whole output")
    args = parser.parse_args()

    env = fuzz_environment()
    tokens = prepare(env)
    from bench.server import gunicorn

    failed = False
    with gunicorn(workers=2, env=env) as base:
        for role in args.roles.split(","):
            failed |= run_schemathesis(base, role.strip(), tokens[role.strip()], args) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
