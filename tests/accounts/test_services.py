"""The services other apps call, and the rules that hold whatever the caller."""

from __future__ import annotations

import dataclasses
import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from apps.accounts import services
from apps.accounts.exceptions import AddressNotFound, UserNotFound
from apps.accounts.models import Address
from shop.errors import InvalidInput, NotFound
from tests.accounts.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_get_returns_a_frozen_user_info():
    user = UserFactory(first_name="Ada", last_name="Lovelace", is_staff=True)
    info = services.user_get(user.id)
    assert info == services.UserInfo(
        id=user.id, email=user.email, first_name="Ada", last_name="Lovelace", is_staff=True
    )
    assert info.full_name == "Ada Lovelace"
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.email = "x@example.com"


@pytest.mark.parametrize("user_id", [uuid.uuid4(), "not-a-uuid"])
def test_user_get_of_an_unknown_id_raises_user_not_found(user_id):
    with pytest.raises(UserNotFound) as raised:
        services.user_get(user_id)
    assert isinstance(raised.value, NotFound)
    assert (raised.value.code, raised.value.http_status) == ("not_found", 404)


def test_users_get_looks_up_many_in_one_query(django_assert_num_queries):
    users = UserFactory.create_batch(3)
    with django_assert_num_queries(1):
        found = services.users_get([u.id for u in users] + [uuid.uuid4()])
    assert set(found) == {u.id for u in users}
    assert services.users_get([]) == {}


def test_address_get_returns_a_frozen_address_info():
    address = AddressFactory(country="FR", is_default=True)
    info = services.address_get(user_id=address.user_id, address_id=address.id)
    assert isinstance(info, services.AddressInfo)
    assert (info.id, info.user_id, info.country, info.is_default) == (
        address.id,
        address.user_id,
        "FR",
        True,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.city = "Lyon"


def test_address_get_of_another_users_address_raises_not_found():
    address = AddressFactory()
    stranger = UserFactory()
    with pytest.raises(AddressNotFound):
        services.address_get(user_id=stranger.id, address_id=address.id)
    with pytest.raises(AddressNotFound):
        services.address_get(user_id=address.user_id, address_id=uuid.uuid4())


def test_address_create_validates_the_country_without_the_api():
    user = UserFactory()
    with pytest.raises(InvalidInput) as raised:
        services.address_create(
            user_id=user.id,
            data={"full_name": "A", "address_line1": "B", "city": "C", "country": "ZZ"},
        )
    assert set(raised.value.details) == {"country"}
    assert not Address.objects.exists()


def test_the_database_allows_one_default_per_user_and_type():
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    AddressFactory(user=user, is_default=True, type="billing")  # another type is fine
    AddressFactory(user=user, is_default=False)  # non-defaults are unlimited
    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=user, is_default=True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_defaults_leave_exactly_one_default():
    user = UserFactory()
    barrier = threading.Barrier(4)
    errors = []

    def add_default(n):
        try:
            barrier.wait()
            services.address_create(
                user_id=user.id,
                data={
                    "full_name": f"N{n}",
                    "address_line1": "Street",
                    "city": "Town",
                    "country": "US",
                    "is_default": True,
                },
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add_default, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Address.objects.filter(user=user).count() == 4
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_registration_and_reset_request_publish_their_email_events_in_the_transaction():
    from shop.events.models import OutboxEvent

    with transaction.atomic():
        user = services.user_register(email="ann@example.com", password="a-long-passphrase-42")
        services.password_reset_request(email="ANN@example.com")
        services.password_reset_request(email="nobody@example.com")  # publishes nothing
        published = list(OutboxEvent.objects.order_by("created_at").values("name", "payload"))
    assert published == [
        {"name": "user.registered", "payload": {"user_id": str(user.id)}},
        {"name": "user.password_reset_requested", "payload": {"user_id": str(user.id)}},
    ]


def test_a_rolled_back_registration_publishes_nothing(mailoutbox):
    from shop.events.models import OutboxEvent

    with pytest.raises(RuntimeError), transaction.atomic():
        services.user_register(email="ann@example.com", password="a-long-passphrase-42")
        raise RuntimeError("the caller failed after registering")
    assert not OutboxEvent.objects.exists()
    assert mailoutbox == []


def test_a_redelivered_registration_event_sends_one_email(mailoutbox):
    from shop.events.models import OutboxEvent
    from shop.events.outbox import event_dispatch

    user = services.user_register(email="ann@example.com", password="a-long-passphrase-42")
    event = OutboxEvent.objects.get(name="user.registered")
    event_dispatch(event.id)
    OutboxEvent.objects.filter(id=event.id).update(status=OutboxEvent.Status.PENDING)
    event_dispatch(event.id)  # the sweep or a duplicate message
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_a_late_verification_task_for_a_verified_user_sends_nothing(mailoutbox):
    user = UserFactory(email_verified=True)
    assert services.email_verification_send(user_id=user.id) is False
    assert mailoutbox == []


def test_address_get_also_takes_positional_ids():
    address = AddressFactory()
    assert services.address_get(address.user_id, address.id).id == address.id


def test_address_default_get_finds_the_default_of_a_type_or_none():
    user = UserFactory()
    AddressFactory(user=user, is_default=False)
    default = AddressFactory(user=user, is_default=True)
    assert services.address_default_get(user.id, "shipping").id == default.id
    assert services.address_default_get(user.id, "billing") is None
    assert services.address_default_get(UserFactory().id, "shipping") is None
