"""The designer's live check of an expression against a draft: does it parse, and does
every name it reads exist in the entity (or line-item table) it is written for?

The answer is a catalog message in the user's language naming the unknown name (with
the closest existing one) or the character where the syntax breaks.  The full check of
a saved draft (types, option values) stays with the metadata checker: its findings are
the draft's problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from formflow.auth import User
from formflow.design.service import DesignService
from formflow.errors import ValidationFailed
from formflow.expressions import SYSTEM_FIELDS, ExpressionError, compile_expression
from formflow.i18n import Message
from formflow.metadata.building import build_entity
from formflow.metadata.expression_types import field_lookup, type_problems
from formflow.metadata.model import Entity

MAX_TEXT = 2000


@dataclass(frozen=True)
class ExpressionCheck:
    ok: bool
    message: Message | None = None
    column: int | None = None


def check_expression(
    documents: Mapping[str, Any],
    entity: str,
    text: Any,
    table: str | None = None,
    functions: Collection[str] = (),
) -> ExpressionCheck:
    """Check ``text`` as written for ``entity`` (a row of its table field ``table``)
    in the draft ``documents``.  An unknown entity or table is a ValidationFailed."""
    fields = _fields(documents, entity)
    if table:
        owner = _field(fields, table)
        if owner is None or owner.get("type") != "table":
            raise ValidationFailed(
                {
                    "table": [
                        Message(
                            "design_path_missing", {"path": f"entities/{entity}/fields/{table}"}
                        )
                    ]
                }
            )
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationFailed({"expression": [Message("expression_text", {"max": MAX_TEXT})]})
    try:
        compiled = compile_expression(text, functions=frozenset(functions))
    except ExpressionError as error:
        return ExpressionCheck(False, _syntax_message(error), error.column)
    scope = _Scope(documents, fields, table)
    for chain in sorted(compiled.references):
        message = scope.resolve(chain)
        if message is not None:
            return ExpressionCheck(False, message)
    problem = next(_type_problems(documents, entity, table, compiled.tree), None)
    if problem is not None:
        return ExpressionCheck(False, Message("expression_types", {"detail": problem}))
    return ExpressionCheck(True)


def _type_problems(
    documents: Mapping[str, Any], entity: str, table: str | None, tree
) -> Iterator[str]:
    """The metadata checker's findings on option values and types that can never fit
    (``kind == 'sickk'``); nothing when the draft's entity cannot be built yet."""
    built: dict[str, Entity | None] = {}

    def entity_of(name: str) -> Entity | None:
        if name not in built:
            document = documents.get(f"entities/{name}.json")
            try:
                built[name] = build_entity("draft", document, "") if document else None
            except (KeyError, TypeError, ValueError, AttributeError):
                built[name] = None
        return built[name]

    owner = entity_of(entity)
    if owner is None:
        return iter(())
    row = owner.field(table) if table else None
    return type_problems(tree, field_lookup(owner, row, entity_of), None)


def check_in_draft(service: DesignService, user: User, app: str, body: Any) -> ExpressionCheck:
    """The design API's and the designer's check: ``body`` is ``{"expression",
    "entity", "table"}``, checked against ``app``'s draft (designers only)."""
    draft = service.draft(user, app)
    if not isinstance(body, Mapping) or not set(body) <= {"expression", "entity", "table"}:
        raise ValidationFailed({"": [Message("expression_check_body")]})
    entity, table = body.get("entity"), body.get("table")
    if not isinstance(entity, str) or not (table is None or isinstance(table, str)):
        raise ValidationFailed({"": [Message("expression_check_body")]})
    functions = list(service.runtime.functions)
    return check_expression(
        draft.documents, entity, body.get("expression"), table or None, functions
    )


def _syntax_message(error: ExpressionError) -> Message:
    column = error.column or 1
    if error.message.startswith("syntax error"):
        return Message("expression_syntax", {"column": column})
    if error.message.startswith("unknown function"):
        name = error.message.split("'")[1] if "'" in error.message else ""
        return Message("expression_unknown_function", {"name": name, "column": column})
    return Message("expression_not_allowed", {"detail": error.message, "column": column})


def _fields(documents: Mapping[str, Any], entity: str) -> list[dict]:
    document = documents.get(f"entities/{entity}.json")
    if not isinstance(document, dict):
        raise ValidationFailed(
            {"entity": [Message("design_path_missing", {"path": f"entities/{entity}"})]}
        )
    return [f for f in document.get("fields") or [] if isinstance(f, dict)]


def _field(fields: list[dict], name: str) -> dict | None:
    return next((f for f in fields if f.get("name") == name), None)


class _Scope:
    """The names an expression may read: the entity's fields and system fields, or in a
    table's column the row's columns and ``parent.<field>``; links and tables followed
    through the draft's documents."""

    def __init__(self, documents: Mapping[str, Any], fields: list[dict], table: str | None):
        self.documents = documents
        self.fields = fields
        self.table = _field(fields, table) if table else None

    def resolve(self, chain: tuple[str, ...]) -> Message | None:
        if self.table is not None:
            columns = [c for c in self.table.get("fields") or [] if isinstance(c, dict)]
            if chain[0] == "parent" and len(chain) > 1:
                return self.follow(self.fields, chain[1:], "parent.", with_system=True)
            return self.follow(columns, chain, "", extra=("parent",))
        return self.follow(self.fields, chain, "", with_system=True)

    def follow(
        self,
        fields: list[dict],
        chain: tuple[str, ...],
        prefix: str,
        *,
        with_system: bool = False,
        extra: tuple[str, ...] = (),
    ) -> Message | None:
        head, rest = chain[0], chain[1:]
        if with_system and head in SYSTEM_FIELDS and not rest:
            return None
        field = _field(fields, head)
        if field is None:
            names = [str(f.get("name")) for f in fields] + list(extra)
            if with_system:
                names += sorted(SYSTEM_FIELDS)
            return _unknown(prefix + head, head, names, prefix)
        if not rest:
            return None
        if field.get("type") == "table":
            columns = [c for c in field.get("fields") or [] if isinstance(c, dict)]
            return self.follow(columns, rest, f"{prefix}{head}.")
        if field.get("type") == "link":
            target = self.documents.get(f"entities/{field.get('to')}.json")
            if not isinstance(target, dict):
                return None  # another app's entity: the full check looks it up
            targets = [f for f in target.get("fields") or [] if isinstance(f, dict)]
            return self.follow(targets, rest, f"{prefix}{head}.", with_system=True)
        return Message("expression_not_a_link", {"name": prefix + head, "next": rest[0]})


def _unknown(name: str, head: str, names: list[str], prefix: str) -> Message:
    close = difflib.get_close_matches(head, names, n=1)
    if close:
        return Message(
            "expression_unknown_name_hint", {"name": name, "suggestion": prefix + close[0]}
        )
    return Message("expression_unknown_name", {"name": name})
