from django.core.management.base import BaseCommand

from apps.inventory import services


class Command(BaseCommand):
    help = "Release expired pending stock reservations (beat also runs this every minute)."

    def handle(self, *args, **options):
        released = services.reservations_expire()
        self.stdout.write(f"released {released} expired reservation(s)")
