"""The catalog's OpenAPI schema: valid, free of warnings, canonical paths, paginated lists."""

from __future__ import annotations

import pytest

from tests.accounts.schema import schema_of


@pytest.fixture(scope="module")
def schema() -> dict:
    return schema_of("tests.catalog.schema_urls")


def test_paths_are_canonical_without_a_trailing_slash(schema):
    assert set(schema["paths"]) == {
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/products/{product_id}/reviews",
        "/api/v1/categories",
        "/api/v1/categories/{category_id}",
        "/api/v1/categories/{category_id}/products",
        "/api/v1/brands",
    }


def test_operation_ids_are_unique_and_ids_are_uuids(schema):
    operations = [op for item in schema["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"] == {"type": "string", "format": "uuid"}, parameter


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products",
        "/api/v1/categories/{category_id}/products",
        "/api/v1/products/{product_id}/reviews",
        "/api/v1/brands",
    ],
)
def test_lists_are_documented_paginated(schema, path):
    response = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert response["schema"]["$ref"].startswith("#/components/schemas/Paginated")
    names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
    assert {"page", "page_size"} <= names
