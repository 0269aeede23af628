"""Assertions on the API error body {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any


def assert_error(
    response, status: int, code: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if details is not None:
        assert error["details"] == details
    return error


def assert_invalid_fields(response, *fields: str) -> dict[str, Any]:
    """400 `invalid` whose details name exactly these fields, each with messages."""
    error = assert_error(response, 400, "invalid")
    assert set(error["details"]) == set(fields), error["details"]
    for field in fields:
        messages = error["details"][field]
        assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
    return error
