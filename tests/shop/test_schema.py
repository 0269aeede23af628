"""The whole OpenAPI schema: valid, free of warnings, every operation tagged by its app and
documenting its error answers with the error body; the shop's headers with one format."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.accounts.schema import schema_of

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return schema_of("shop.urls")


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_is_tagged_by_its_app(schema):
    known = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    for path, method, operation in operations(schema):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in known, (method, path)
    tags = {operation["tags"][0] for _, _, operation in operations(schema)}
    assert {"accounts", "catalog", "cart", "inventory"} <= tags


def test_every_error_answer_carries_the_error_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert "503" in responses and "429" in responses, (method, path)
        for status, response in responses.items():
            if status >= "400":
                assert response["content"]["application/json"]["schema"] == ERROR, (status, path)
                assert response["description"]
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "details"}


def test_errors_follow_from_what_each_view_does(schema):
    paths = schema["paths"]
    assert {"401", "403", "404"} <= set(
        paths["/api/v1/products/{product_id}"]["delete"]["responses"]
    )
    assert "403" not in paths["/api/v1/me"]["get"]["responses"]  # any signed-in user
    assert "400" not in paths["/api/v1/me"]["get"]["responses"]  # nothing to be bad
    assert {"400", "413", "415"} <= set(paths["/api/v1/auth/register"]["post"]["responses"])
    assert "401" in paths["/api/v1/auth/login"]["post"]["responses"]  # declared by the view
    assert {"409", "412"} <= set(paths["/api/v1/cart/items"]["post"]["responses"])
    assert "409" in paths["/api/v1/inventory/adjust"]["post"]["responses"]  # Idempotency-Key
    assert "404" in paths["/api/v1/brands"]["get"]["responses"]  # a page past the last


def test_the_shops_headers_have_one_format_wherever_they_appear(schema):
    seen = {}
    for _, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header":
                seen.setdefault(parameter["name"], []).append(parameter["schema"])
    assert {"If-Match", "X-Cart-Token", "Idempotency-Key"} <= set(seen)
    for name, schemas in seen.items():
        assert all(s == schemas[0] for s in schemas), name
    assert "pattern" in seen["If-Match"][0]
    assert seen["Idempotency-Key"][0]["maxLength"] == 255
    cart = schema["paths"]["/api/v1/cart"]["get"]["responses"]["200"]["headers"]
    assert cart["ETag"]["required"] and "pattern" in cart["X-Cart-Token"]["schema"]
