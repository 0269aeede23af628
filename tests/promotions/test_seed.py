"""seed_demo adds a few promotions of each type, once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from apps.promotions.models import Promotion


@pytest.mark.django_db
def test_seed_demo_adds_promotions_of_every_type_idempotently():
    call_command("seed_demo", products=12, verbosity=0)
    first = set(Promotion.objects.values_list("id", flat=True))
    call_command("seed_demo", products=12, verbosity=0)

    assert set(Promotion.objects.values_list("id", flat=True)) == first
    kinds = Counter(Promotion.objects.values_list("type", flat=True))
    assert set(kinds) == {"percentage", "fixed", "bogo", "free_shipping"}
    assert min(kinds.values()) >= 2
    assert Promotion.objects.filter(code__isnull=True).exists()  # automatic ones
    assert Promotion.objects.filter(code="WELCOME10", first_time_only=True).exists()
    assert Promotion.objects.exclude(category_ids=[]).count() == 2  # on seeded categories
