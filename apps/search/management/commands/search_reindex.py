"""`manage.py search_reindex [--backend pg|es] [--batch N]`: rebuild the search index in bulk.

Without `--backend` every configured backend is rebuilt in one pass over the catalog
(PostgreSQL always, Elasticsearch when ELASTICSEARCH_URL is set). Searches keep answering
meanwhile: PostgreSQL is rebuilt in place, Elasticsearch into a new index that replaces the
live one by an alias swap at the end.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.catalog.services import products_active_count
from apps.search.exceptions import SearchBackendUnavailable, SearchRebuildRunning
from apps.search.services import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the catalog (all configured backends by default)."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["pg", "es"], help="only this backend")
        parser.add_argument("--batch", type=int, default=1000, help="products per batch (1000)")

    def handle(self, *args, backend: str | None, batch: int, **options):
        if batch < 1:
            raise CommandError("--batch must be 1 or more")
        show = options["verbosity"] > 0
        total = products_active_count()
        try:
            with tqdm(total=total, unit="doc", disable=not show, file=sys.stderr) as bar:
                summary = rebuild(backend=backend, batch_size=batch, progress=bar.update)
        except ValueError as exc:  # `es` without ELASTICSEARCH_URL
            raise CommandError(str(exc)) from exc
        except SearchRebuildRunning as exc:
            raise CommandError(str(exc)) from exc
        except SearchBackendUnavailable as exc:
            raise CommandError(f"Elasticsearch failed, the live index is unchanged: {exc}") from exc
        self.stdout.write(
            f"Search index rebuilt ({', '.join(summary.backends)}): {summary.documents} "
            f"documents in {summary.seconds:.1f}s ({summary.documents_per_second:.0f} docs/s)."
        )
