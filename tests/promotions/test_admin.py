"""The promotions admin (usage counts, saves through the services) and the dry-run form."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from apps.cart import services as cart
from apps.inventory import services as inventory
from apps.promotions import services
from apps.promotions.models import Promotion
from apps.promotions.services import AppliedPromotion
from tests.accounts.factories import UserFactory
from tests.catalog.factories import VariantFactory
from tests.promotions.factories import make_coupon, make_promotion

pytestmark = pytest.mark.django_db
DRY_RUN = "/admin/promotions/dry-run"


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def hold(promotion, order_id=None):
    order_id = order_id or uuid.uuid4()
    services.promotion_usage_hold(
        order_id=order_id,
        user_id=uuid.uuid4(),
        applied=[AppliedPromotion(promotion.id, promotion.code, Decimal("1.00"))],
    )
    return order_id


def test_the_list_shows_uses_per_state(admin_client):
    coupon = make_coupon("COUNTED", max_uses=10)
    paid, cancelled = hold(coupon), hold(coupon)
    hold(coupon)
    services.promotion_usage_confirm(order_id=paid)
    services.promotion_usage_void(order_id=cancelled)

    response = admin_client.get("/admin/promotions/promotion/")
    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == coupon.id)
    assert (row.held_count, row.used_count, row.void_count, row.current_uses) == (1, 1, 1, 2)
    page = response.content.decode()
    assert "2 / 10" in page and DRY_RUN in page


def _form(**changes) -> dict:
    data = {
        "code": "admin-5",
        "name": "Five off",
        "type": "fixed",
        "value": "5.00",
        "min_amount": "",
        "category_ids": "",
        "product_ids": "",
        "buy_quantity": "1",
        "get_quantity": "1",
        "max_uses": "",
        "max_uses_per_user": "",
        "start_date_0": "2026-01-01",
        "start_date_1": "00:00:00",
        "end_date_0": "",
        "end_date_1": "",
        "active": "on",
        "priority": "100",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_adding_through_the_admin_goes_through_the_services(admin_client):
    response = admin_client.post("/admin/promotions/promotion/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    promotion = Promotion.objects.get()
    assert (promotion.code, promotion.value, promotion.type) == (
        "ADMIN-5",
        Decimal("5.00"),
        "fixed",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "percentage", "value": "120"}, "A percentage is at most 100."),
        ({"code": "ADMIN-5"}, "already exists"),
        ({"end_date_0": "2025-01-01", "end_date_1": "00:00:00"}, "Must be after start_date."),
        ({"category_ids": str(uuid.uuid4())}, "Unknown category"),
        ({"min_amount": "-1"}, "Must not be negative."),
    ],
)
def test_the_admin_form_shows_the_services_checks(admin_client, changes, message):
    if changes.get("code") == "ADMIN-5":
        make_coupon("admin-5")
    response = admin_client.post("/admin/promotions/promotion/add/", _form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Promotion.objects.count() == (1 if changes.get("code") else 0)


def test_a_used_promotion_cannot_be_deleted_in_the_admin(admin_client):
    used, unused = make_coupon("USED"), make_promotion(name="Unused")
    hold(used)
    assert admin_client.get(f"/admin/promotions/promotion/{used.id}/delete/").status_code == 403
    response = admin_client.post(
        "/admin/promotions/promotion/",
        {"action": "delete_selected", "_selected_action": [str(unused.id)], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Promotion.objects.values_list("code", flat=True)) == ["USED"]


@pytest.fixture
def stocked_variant(db):
    warehouse = inventory.warehouse_create(code="ADMIN", name="Admin")

    def make(price: str):
        variant = VariantFactory(product__base_price=Decimal(price))
        inventory.stock_adjust(
            variant_id=variant.id, warehouse_id=warehouse.id, delta=10, reason="", kind="receipt"
        )
        return variant

    return make


def test_the_dry_run_prices_typed_lines_and_explains_every_candidate(admin_client, stocked_variant):
    one, two = stocked_variant("30.00"), stocked_variant("10.00")
    make_promotion(name="Auto ten", value=Decimal("10"))
    make_coupon("BIGONLY", name="Big only", conditions={"min_amount": "500"})
    response = admin_client.post(
        DRY_RUN,
        {
            "lines": f"{one.id} 2\n{two.id} 1\n",
            "coupon_code": "bigonly",
            "is_first_order": "unknown",
        },
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.subtotal, result.discount) == (Decimal("70.00"), Decimal("7.00"))
    assert [(e.name, e.applied, e.reason) for e in result.explanations] == [
        ("Auto ten", True, None),
        ("Big only", False, "min_amount"),
    ]
    page = response.content.decode()
    assert "min_amount" in page and "7.00" in page


def test_the_dry_run_prices_an_existing_cart_by_its_token(admin_client, stocked_variant):
    variant = stocked_variant("20.00")
    make_coupon("HALF", value=Decimal("50"))
    owner = cart.cart_owner_resolve(user_id=None, token=None)
    cart.cart_line_add(owner=owner, variant_id=variant.id, quantity=3)
    cart.cart_coupon_apply(owner=owner, code="half")

    response = admin_client.post(DRY_RUN, {"cart_token": owner.token, "is_first_order": "no"})

    result = response.context["result"]
    assert (result.subtotal, result.discount, response.context["coupon"]) == (
        Decimal("60.00"),
        Decimal("30.00"),
        "HALF",
    )
    assert [row["discount"] for row in response.context["rows"]] == [Decimal("30.00")]


def test_the_dry_run_is_for_staff_and_checks_its_form(admin_client):
    anonymous = Client().get(DRY_RUN)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    response = admin_client.post(DRY_RUN, {"lines": "not a line", "is_first_order": "unknown"})
    assert response.status_code == 200 and "result" not in response.context
    assert "&lt;variant id&gt; &lt;quantity&gt;" in response.content.decode()
    response = admin_client.post(DRY_RUN, {"is_first_order": "unknown"})
    assert "Give lines, a cart token or a user id." in response.content.decode()
