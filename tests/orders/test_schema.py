"""The orders and payments OpenAPI schema: valid, free of warnings, canonical paths."""

from __future__ import annotations

from tests.accounts.schema import schema_of


def test_orders_and_payments_schema_has_no_warnings_and_canonical_paths():
    schema = schema_of("tests.orders.schema_urls")
    assert set(schema["paths"]) == {
        "/api/v1/checkout",
        "/api/v1/checkout/preview",
        "/api/v1/shipping-methods",
        "/api/v1/orders",
        "/api/v1/orders/{order_id}",
        "/api/v1/orders/{order_id}/cancel",
        "/api/v1/orders/{order_id}/status",
        "/api/v1/orders/{order_id}/refunds",
        "/api/v1/orders/{order_id}/returns",
        "/api/v1/returns",
        "/api/v1/returns/{return_id}",
        "/api/v1/returns/{return_id}/receive",
        "/api/v1/payments/webhook",
        "/api/v1/payments/dummy/{intent_id}/succeed",
        "/api/v1/payments/dummy/{intent_id}/fail",
    }
    listed = schema["paths"]["/api/v1/orders"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["$ref"].endswith("PaginatedOrderList")
    created = schema["paths"]["/api/v1/checkout"]["post"]["responses"]
    assert {code for code in created if code < "300"} == {"201"}  # + the error answers
    parameters = {p["name"] for p in schema["paths"]["/api/v1/checkout"]["post"]["parameters"]}
    assert "Idempotency-Key" in parameters
    refund = schema["paths"]["/api/v1/orders/{order_id}/refunds"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in refund["parameters"]}
    assert {code for code in refund["responses"] if code < "300"} == {"201"}
    webhook = schema["paths"]["/api/v1/payments/webhook"]["post"]
    assert "Stripe-Signature" in {p["name"] for p in webhook["parameters"]}
    assert "400" in webhook["responses"]
