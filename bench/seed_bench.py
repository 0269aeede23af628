"""`seed`: wall time of `manage.py seed_demo --products N` on an empty catalog.

"Empty" is made the blunt way: the benchmark database is DROPPED (WITH (FORCE)) and created
again, then migrated (timed separately), then seeded. That only ever happens to a database
whose name contains "bench" (e.g. shop_bench), so a forgotten DATABASE_URL cannot wipe the
development shop.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from bench.common import ROOT, database_name

TARGET_SECONDS = 120  # for 100,000 products


def _manage(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode})")
    return seconds, done.stdout


def recreate_database() -> None:
    import psycopg
    from psycopg import sql

    name = database_name()
    if "bench" not in name:
        raise SystemExit(
            f"refusing to drop database {name!r}: the seed benchmark recreates its database; "
            "point DATABASE_URL at one whose name contains 'bench' (e.g. shop_bench)"
        )
    url = os.environ.get("DATABASE_URL")
    with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run(products: int) -> dict:
    recreate_database()
    create_seconds, _ = _manage("db_create")
    migrate_seconds, _ = _manage("migrate", "--noinput", "-v", "0")
    seed_seconds, output = _manage("seed_demo", "--products", str(products), "-v", "1")
    catalog = re.search(r"Catalog: .*?in ([\d.]+)s", output)
    stock = re.search(r"Stock: .*?in ([\d.]+)s", output)
    search = re.search(r"Search: .*?in ([\d.]+)s", output)
    result = {
        "products": products,
        "how_emptied": "DROP DATABASE … WITH (FORCE), db_create, migrate",
        "migrate_seconds": round(migrate_seconds + create_seconds, 1),
        "seed_seconds": round(seed_seconds, 1),
        "seed_catalog_seconds": float(catalog.group(1)) if catalog else None,
        "seed_stock_seconds": float(stock.group(1)) if stock else None,
        "seed_search_index_seconds": float(search.group(1)) if search else None,
        "products_per_second": round(products / seed_seconds) if seed_seconds else None,
        "target_seconds_at_100k": TARGET_SECONDS,
        "seed_output": output.strip().splitlines(),
    }
    if products:
        result["projected_seconds_at_100k"] = round(seed_seconds * 100_000 / products, 1)
    print(
        f"seed_demo --products {products}: {seed_seconds:.1f} s "
        f"(catalog {result['seed_catalog_seconds']} s, stock {result['seed_stock_seconds']} s, "
        f"search index {result['seed_search_index_seconds']} s; "
        f"{result['products_per_second']} products/s); migrate {migrate_seconds:.1f} s; "
        f"target < {TARGET_SECONDS} s at 100k"
    )
    return result
