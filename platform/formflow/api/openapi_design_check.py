"""The OpenAPI description of the design API's expression check."""

from __future__ import annotations

from typing import Any

from formflow.api.openapi_design import PREFIX

_APP = {"name": "app", "in": "path", "required": True, "schema": {"type": "string"}}
_BODY = {
    "type": "object",
    "required": ["entity"],
    "additionalProperties": False,
    "properties": {
        "expression": {"type": "string", "maxLength": 2000, "examples": ["days > 3"]},
        "entity": {"type": "string", "description": "The entity the expression is for"},
        "table": {
            "type": ["string", "null"],
            "description": "A table field of the entity: the expression is a column's",
        },
    },
}
_RESULT = {
    "type": "object",
    "required": ["ok", "message", "column"],
    "properties": {
        "ok": {"type": "boolean"},
        "message": {
            "type": ["string", "null"],
            "description": "What is wrong, in the caller's language: the unknown name, or "
            "where the syntax breaks",
        },
        "column": {"type": ["integer", "null"], "description": "The character, from 1"},
    },
}


def check_paths(operation, json) -> dict[str, Any]:
    """``operation`` and ``json`` are the document's own builders."""
    return {
        f"{PREFIX}/apps/{{app}}/check-expression": {
            "post": operation(
                "Check an expression against the draft's fields (names, syntax)",
                {"200": json(_RESULT)},
                [_APP],
                body=_BODY,
            )
        }
    }
