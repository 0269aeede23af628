"""The read-replica router against a real streaming replica (tests/ops/pg_pair.py).

For these tests `default` and `replica_0` point at a primary and its hot standby of our own;
every statement is recorded with the alias that ran it, so each test shows where the router
sent it: a request's reads on the replica; writes, locks and transactions on the primary; a
client's reads on the primary right after its own write, and on the replica once
READ_YOUR_WRITES_SECONDS have passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.management import call_command
from django.db import DatabaseError, connections, router, transaction
from django.test import Client

from apps.accounts.models import User
from shop import db_routing, metrics
from shop.events.tasks import events_sweep_task
from tests.accounts.factories import UserFactory
from tests.conftest import bearer_client
from tests.ops.aliases import databases
from tests.ops.pg_pair import PgPair, free_port

REPLICA = "replica_0"
WINDOW = 1  # READ_YOUR_WRITES_SECONDS in these tests
ADDRESSES = "/api/v1/me/addresses"
ADDRESS = {
    "type": "shipping",
    "full_name": "Ada Lovelace",
    "address_line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
MIDDLEWARE = "shop.db_routing.ReadYourWritesMiddleware"


@pytest.fixture(scope="module")
def pg_pair(django_db_setup, django_db_blocker) -> Iterator[PgPair]:
    with django_db_blocker.unblock():
        source = dict(connections["default"].settings_dict)
        major = connections["default"].pg_version // 10000
    pair = PgPair(source=source, major=major).start()
    yield pair
    pair.stop()


def _with_router(settings, replicas: list[str]) -> None:
    settings.DATABASE_REPLICAS = replicas
    settings.READ_YOUR_WRITES_SECONDS = WINDOW
    settings.DATABASE_ROUTERS = ["shop.db_routing.ReplicaRouter"]
    middleware = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    middleware.insert(middleware.index("shop.middleware.BrowserSessionMiddleware"), MIDDLEWARE)
    settings.MIDDLEWARE = middleware


@pytest.fixture
def replicated(pg_pair, django_db_blocker, settings) -> Iterator[PgPair]:
    _with_router(settings, [REPLICA])
    db_routing._down_until.clear()
    ports = {"default": pg_pair.primary.port, REPLICA: pg_pair.replica.port}
    with django_db_blocker.unblock(), databases(ports):
        yield pg_pair
    db_routing._down_until.clear()


@contextmanager
def recorded(*aliases: str) -> Iterator[list[tuple[str, str]]]:
    """Every statement run on the aliases in the block, as (alias, sql)."""
    log: list[tuple[str, str]] = []

    def wrapper_for(alias):
        def record(execute, sql, params, many, context):
            log.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in aliases:
            stack.enter_context(connections[alias].execute_wrapper(wrapper_for(alias)))
        yield log


def aliases_of(action: Callable[[], object]) -> set[str]:
    with recorded("default", REPLICA) as log:
        action()
    assert log, "the action ran no query"
    return {alias for alias, _ in log}


def replicated_user(pair: PgPair) -> User:
    user = UserFactory()
    pair.wait_replayed()
    return user


def test_the_replica_is_a_read_only_streaming_standby_of_the_primary(replicated):
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is False
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True

    user = replicated_user(replicated)
    assert User.objects.using(REPLICA).get(pk=user.pk).email == user.email
    with pytest.raises(DatabaseError, match="read-only"):
        User.objects.using(REPLICA).filter(pk=user.pk).update(first_name="Nope")


def test_the_reads_of_a_request_go_to_the_replica(replicated):
    user = replicated_user(replicated)
    anonymous, signed_in = Client(), bearer_client(user)

    def browse():
        assert anonymous.get("/api/v1/products?page_size=5").status_code == 200
        assert anonymous.get("/api/v1/categories").status_code == 200
        assert signed_in.get(ADDRESSES).status_code == 200  # the token's user is read too

    assert aliases_of(browse) == {REPLICA}


def test_writes_locks_and_transactions_go_to_the_primary(replicated):
    user = replicated_user(replicated)

    def users():  # a new queryset each time: one that wrote stays bound to the primary
        return User.objects.filter(pk=user.pk)

    def read():
        return users().exists()

    def read_in_a_transaction():
        with transaction.atomic():
            read()

    def lock():
        with transaction.atomic():
            list(users().select_for_update())

    with db_routing.replica_reads():  # the routing scope every request has
        assert aliases_of(read) == {REPLICA}
        assert aliases_of(lambda: users().update(first_name="Ada")) == {"default"}
        assert aliases_of(UserFactory) == {"default"}
        assert aliases_of(lambda: User.objects.get_or_create(email=user.email)) == {"default"}
        assert aliases_of(lock) == {"default"}
        assert aliases_of(read_in_a_transaction) == {"default"}
        assert aliases_of(read) == {REPLICA}  # out of the transaction again

    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate(REPLICA, "accounts") is False


def test_tasks_and_commands_read_from_the_primary_unless_they_opt_in(replicated, capsys):
    user = replicated_user(replicated)

    def read():
        return User.objects.filter(pk=user.pk).exists()

    assert aliases_of(read) == {"default"}  # no request: a task, a command, a shell
    assert aliases_of(events_sweep_task.apply) == {"default"}
    assert aliases_of(lambda: call_command("inventory_reconcile")) == {"default"}

    @db_routing.replica_reads()
    def report():
        return read()

    assert aliases_of(report) == {REPLICA}


def test_a_client_reads_its_own_write_from_the_primary_until_the_window_ends(replicated):
    user = replicated_user(replicated)
    client = bearer_client(user)
    assert aliases_of(lambda: client.get(ADDRESSES)) == {REPLICA}

    with recorded("default", REPLICA) as log:
        response = client.post(ADDRESSES, ADDRESS, format="json")
    assert response.status_code == 201, response.content
    address_id = response.json()["id"]
    writes = [(alias, sql) for alias, sql in log if not sql.lstrip().upper().startswith("SELECT")]
    assert writes and {alias for alias, _ in writes} == {"default"}
    assert db_routing.PIN_COOKIE in response.cookies

    def own_addresses(reader):
        body = reader.get(ADDRESSES).json()
        ids = [address["id"] for address in body["results"]]
        assert ids == [address_id]

    # Right after the write: this client (cookie), the same user on a client that keeps no
    # cookies (the pin in Redis), both on the primary; another client still on the replica.
    assert aliases_of(lambda: own_addresses(client)) == {"default"}
    assert aliases_of(lambda: own_addresses(bearer_client(user))) == {"default"}
    assert aliases_of(lambda: Client().get("/api/v1/brands")) == {REPLICA}

    time.sleep(WINDOW + 1.1)  # the signature's timestamp has whole seconds
    # The test client still sends the cookie: the signature's age refuses it.
    assert client.cookies[db_routing.PIN_COOKIE].value
    assert aliases_of(lambda: own_addresses(client)) == {REPLICA}


def test_a_forged_or_foreign_pin_cookie_does_not_pin(replicated):
    client = Client()
    client.cookies[db_routing.PIN_COOKIE] = "1"
    assert aliases_of(lambda: client.get("/api/v1/brands")) == {REPLICA}
    # Signed with the site's key, but not as a pin (another salt): refused as well.
    client.cookies[db_routing.PIN_COOKIE] = signing.get_cookie_signer(salt="other").sign("1")
    assert aliases_of(lambda: client.get("/api/v1/brands")) == {REPLICA}


def test_with_redis_unreachable_a_signed_in_client_reads_from_the_primary(replicated, settings):
    user = replicated_user(replicated)
    # The pins live beside the carts (shop.redis.redis_client, CART_REDIS_URL).
    settings.CART_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    client = bearer_client(user)
    assert aliases_of(lambda: client.get(ADDRESSES)) == {"default"}


def test_a_replica_that_refuses_connections_is_skipped(replicated, settings):
    settings.DATABASE_REPLICAS = ["replica_down"]
    refused = metrics.DB_REPLICA_UNAVAILABLE.labels(alias="replica_down")
    before = refused._value.get()
    with databases({"replica_down": free_port()}):
        client = Client()
        for _ in range(2):
            assert aliases_of(lambda: client.get("/api/v1/brands")) == {"default"}
            assert client.get("/api/v1/products").status_code == 200
    # Tried once, then left alone for REPLICA_RETRY_SECONDS.
    assert refused._value.get() == before + 1


@pytest.mark.django_db
def test_without_replicas_nothing_routes(django_assert_num_queries):
    # The suite's own settings name no replica: no router, no middleware, no cost. (This test
    # also makes pytest-django create the test database whose schema the pair copies.)
    assert router.routers == []
    assert MIDDLEWARE not in django_settings.MIDDLEWARE
    with django_assert_num_queries(1, using="default"):
        User.objects.exists()


def test_settings_install_the_router_only_with_replicas():
    def configured(env: dict[str, str]) -> dict:
        script = (
            "import json, django; django.setup(); from django.conf import settings as s;"
            "print(json.dumps({'aliases': sorted(s.DATABASES), 'replicas': s.DATABASE_REPLICAS,"
            " 'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE,"
            " 'replica': s.DATABASES.get('replica_1')}))"
        )
        run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", **env}
        out = subprocess.run(
            [sys.executable, "-c", script], env=run_env, capture_output=True, text=True,
            check=True, timeout=60, cwd=django_settings.BASE_DIR,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    plain = configured({"DATABASE_REPLICA_URLS": ""})
    assert plain["aliases"] == ["default"]
    assert plain["routers"] == []
    assert MIDDLEWARE not in plain["middleware"]

    urls = "postgres://reader@10.0.0.5:5432/shop,postgres://reader:pw@10.0.0.6:6432/shop"
    two = configured({"DATABASE_REPLICA_URLS": urls})
    assert two["aliases"] == ["default", "replica_0", "replica_1"]
    assert two["replicas"] == ["replica_0", "replica_1"]
    assert two["routers"] == ["shop.db_routing.ReplicaRouter"]
    middleware = two["middleware"]
    session = middleware.index("shop.middleware.BrowserSessionMiddleware")
    assert middleware.index(MIDDLEWARE) == session - 1
    replica = two["replica"]
    assert (replica["HOST"], replica["PORT"], replica["PASSWORD"]) == ("10.0.0.6", 6432, "pw")
    assert replica["TEST"]["MIRROR"] == "default"
