import sys

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql

from shop.health import server_connect


class Command(BaseCommand):
    help = "Create the PostgreSQL database named in DATABASE_URL if it does not exist."

    def handle(self, *args, **options):
        name = settings.DATABASES["default"]["NAME"]
        try:
            with server_connect() as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.stdout.write(f"created database {name}")
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0][:160]
            self.stderr.write(
                f"postgresql is not reachable ({reason}); start it or set DATABASE_URL"
            )
            sys.exit(1)
