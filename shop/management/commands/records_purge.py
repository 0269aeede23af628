from django.core.management.base import BaseCommand

from shop.retention import BATCH, records_purge


class Command(BaseCommand):
    help = (
        "Delete idempotency records past their TTL and outbox events done for longer than "
        "OUTBOX_RETENTION_DAYS (beat does this daily). Safe to stop and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")

    def handle(self, *args, batch: int, **options):
        def progress(kind: str, count: int) -> None:
            self.stdout.write(f"  {kind}: {count} deleted so far")

        counts = records_purge(batch=batch, progress=progress)
        self.stdout.write(
            f"deleted {counts.idempotency_records} idempotency records and "
            f"{counts.outbox_events} outbox events"
        )
