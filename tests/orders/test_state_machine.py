"""The state machine on its own: every (from, to, actor) is allowed exactly as the table
says, and everything else raises IllegalTransition naming what is allowed."""

from __future__ import annotations

import itertools

import pytest

from apps.orders.exceptions import IllegalTransition
from apps.orders.state_machine import (
    ACTORS,
    CANCELLABLE,
    TRANSITIONS,
    Status,
    allowed_targets,
    transition_check,
)

ALL = list(itertools.product(Status.values, Status.values, ACTORS))


def test_the_lifecycle_of_design_md():
    paths = {(a, b) for a, b in TRANSITIONS}
    assert {
        ("pending", "confirmed"),
        ("confirmed", "paid"),
        ("paid", "processing"),
        ("processing", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "returned"),
        ("paid", "refunded"),
    } <= paths
    assert {"pending", "confirmed", "paid", "processing"} == CANCELLABLE
    # Payments and refunds come from the system only; nobody un-ships or un-cancels by hand.
    assert TRANSITIONS[("confirmed", "paid")] == {"system"}
    assert TRANSITIONS[("cancelled", "paid")] == {"system"}
    assert not any(target == "pending" for _, target in TRANSITIONS)


@pytest.mark.parametrize(("source", "target", "actor"), ALL)
def test_transition_check_follows_the_table(source, target, actor):
    if actor in TRANSITIONS.get((source, target), ()):
        transition_check(source, target, actor)
        return
    with pytest.raises(IllegalTransition) as raised:
        transition_check(source, target, actor)
    assert raised.value.code == "illegal_transition" and raised.value.http_status == 409
    assert raised.value.details == {
        "from": source,
        "to": target,
        "allowed": allowed_targets(source, actor),
    }


def test_the_customer_may_only_cancel_before_processing():
    customer_moves = {(a, b) for (a, b), actors in TRANSITIONS.items() if "customer" in actors}
    assert customer_moves == {
        ("pending", "cancelled"),
        ("confirmed", "cancelled"),
        ("paid", "cancelled"),
    }
