"""Address writes that fail part-way leave the address book as it was (one default kept)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from apps.accounts import services
from apps.accounts.models import Address
from tests.accounts.factories import AddressFactory

pytestmark = pytest.mark.django_db

BODY = {"full_name": "Ada", "address_line1": "1 Way", "city": "London", "country": "GB"}


def _fail_on_insert_into_addresses() -> None:
    # The injected failure comes after the service has unset the previous default.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION audit_injected_failure() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER audit_injected_failure BEFORE INSERT ON accounts_address "
            "FOR EACH ROW EXECUTE FUNCTION audit_injected_failure()"
        )


def test_a_new_default_that_fails_to_save_keeps_the_old_default(user):
    old = AddressFactory(user=user, is_default=True)
    _fail_on_insert_into_addresses()
    with pytest.raises(DatabaseError):
        services.address_create(user_id=user.id, data=BODY | {"is_default": True})
    old.refresh_from_db()
    assert old.is_default is True
    assert Address.objects.filter(user=user).count() == 1
