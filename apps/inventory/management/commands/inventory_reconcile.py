from django.core.management.base import BaseCommand, CommandError

from apps.inventory import services


class Command(BaseCommand):
    help = (
        "Compare every stock level's quantity and reserved with the sums of the stock ledger. "
        "Prints each difference; exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        differences = services.stock_reconcile()
        for diff in differences:
            self.stdout.write(
                f"variant {diff.variant_id} warehouse {diff.warehouse_id}: "
                f"quantity {diff.quantity} vs ledger {diff.ledger_quantity}, "
                f"reserved {diff.reserved} vs ledger {diff.ledger_reserved}"
            )
        if differences:
            raise CommandError(f"{len(differences)} stock level(s) differ from the ledger")
        self.stdout.write("stock levels match the ledger")
