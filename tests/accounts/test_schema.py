"""The accounts OpenAPI schema: valid, free of warnings, canonical paths."""

from __future__ import annotations

from tests.accounts.schema import schema_of


def test_accounts_schema_has_no_warnings_and_canonical_paths():
    schema = schema_of("tests.accounts.schema_urls")
    assert all(not path.endswith("/") for path in schema["paths"]), sorted(schema["paths"])
    assert "/api/v1/me/addresses/{id}" in schema["paths"]
    listed = schema["paths"]["/api/v1/me/addresses"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["$ref"].endswith("PaginatedAddressList")
