from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from shop.events.outbox import events_replay


class Command(BaseCommand):
    help = "Send outbox events again: pending ones, and with --dead those that gave up."

    def add_arguments(self, parser):
        parser.add_argument("--dead", action="store_true", help="also events marked dead")
        parser.add_argument("--since", help="only events created at or after this ISO datetime")
        parser.add_argument(
            "--redo",
            action="store_true",
            help="also events already handled: every handler applies them again",
        )

    def handle(self, *args, dead, since, redo, **options):
        since_at = None
        if since:
            since_at = parse_datetime(since)
            if since_at is None or since_at.tzinfo is None:
                raise CommandError(
                    "--since takes an ISO datetime with a zone, e.g. 2026-01-31T00:00:00Z"
                )
        sent = events_replay(dead=dead, since=since_at, redo=redo)
        self.stdout.write(f"{sent} events sent")
