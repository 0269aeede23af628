import sys

from django.core.management.base import BaseCommand

from shop.health import SERVICES, check_database_server


class Command(BaseCommand):
    help = "Check that PostgreSQL, Redis and the broker answer; one line per missing service."

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip", action="append", default=[], help="a service not to check (postgresql …)"
        )
        parser.add_argument(
            "--server-only",
            action="store_true",
            help="check that the PostgreSQL server answers, not that DATABASE_URL's database "
            "exists (the test suite creates a database of its own)",
        )

    def handle(self, *args, skip, server_only, **options):
        failed = False
        for name, variable, check in SERVICES:
            if name in skip:
                continue
            if server_only and name == "postgresql":
                check = check_database_server
            try:
                check()
            except Exception as exc:
                failed = True
                reason = str(exc).splitlines()[0][:160] if str(exc) else exc.__class__.__name__
                self.stderr.write(f"{name} is not reachable ({reason}); start it or set {variable}")
        if failed:
            sys.exit(1)
