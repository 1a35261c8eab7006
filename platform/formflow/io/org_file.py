"""The organisation file: departments and users in one CSV or XLSX sheet.

Every row is a department or a user (column ``kind``), named by ``code`` (a department
code or a user name).  The columns, in the order an export writes them:

========== ================================== ====================================
column     a department row                   a user row
========== ================================== ====================================
kind       ``department``                     ``user``
code       its code                           the user name
name       its name                           the display name
parent     the parent department's code       (empty)
head       the head's user name               (empty)
manager    (empty)                            the manager's user name
department (empty)                            the department's code
roles      (empty)                            roles, comma-separated
email      (empty)                            e-mail address
phone      (empty)                            phone number
active     (empty)                            ``true`` or ``false`` (empty: true)
========== ================================== ====================================

A header may also use the Chinese column names (``类型``, ``编码``, ...).  A file needs
``kind`` and ``code``; any other column may be left out, and a column left out keeps
what is stored, while an empty cell in a column that is there clears the value.
Cells are read as text (a number cell as its digits), with the formula-guard
apostrophe of an export taken off again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from formflow.i18n import Message
from formflow.io.cells import escape, unescape
from formflow.io.reading import Sheet

COLUMNS = ("kind", "code", "name", "parent", "head", "manager", "department", "roles",
           "email", "phone", "active")
REQUIRED = ("kind", "code")
#: The Chinese header of each column, also understood on import.
CHINESE = {"类型": "kind", "编码": "code", "名称": "name", "上级部门": "parent",
           "负责人": "head", "上级": "manager", "部门": "department", "角色": "roles",
           "邮箱": "email", "电话": "phone", "启用": "active"}
#: The columns each kind of row may fill (besides ``kind``, ``code`` and ``name``).
OWN_COLUMNS = {
    "department": frozenset({"parent", "head"}),
    "user": frozenset({"manager", "department", "roles", "email", "phone", "active"}),
}
TRUE = frozenset({"true", "yes", "y", "1", "是", "启用"})
FALSE = frozenset({"false", "no", "n", "0", "否", "停用"})

Errors = dict[str, list[Message]]


@dataclass(frozen=True)
class OrgRow:
    """One row of the file: ``cells`` holds the text of every column the file has."""

    number: int
    kind: str
    code: str
    cells: dict[str, str]

    def has(self, column: str) -> bool:
        return column in self.cells

    def get(self, column: str) -> str | None:
        """The cell's text, ``None`` when empty or when the file has no such column."""
        return self.cells.get(column) or None


def org_rows(sheet: Sheet, errors: Errors) -> list[OrgRow]:
    """The rows of ``sheet``; problems are added to ``errors`` keyed ``row <n>.<column>``
    (the rows are returned whatever their problems, so all of them are checked)."""
    columns = _header(sheet, errors)
    if any(path.startswith(f"row {sheet.header_row}.") for path in errors):
        return []
    rows = []
    first: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        texts = {name: _text(cells[i] if i < len(cells) else None)
                 for i, name in enumerate(columns) if name}
        stray = [i for i, cell in enumerate(cells)
                 if (i >= len(columns) or not columns[i]) and _text(cell)]
        if stray:
            errors.setdefault(f"row {number}", []).append(
                Message("cell_without_header", {"column": stray[0] + 1}))
        kind, code = texts.pop("kind", ""), texts.pop("code", "")
        row = OrgRow(number, kind.casefold(), code, texts)
        _check_row(row, errors, first)
        rows.append(row)
    return rows


def _header(sheet: Sheet, errors: Errors) -> list[str | None]:
    """The column each header cell names (None for an empty one)."""
    found: list[str | None] = []
    for raw in sheet.header:
        text = raw.strip()
        name = CHINESE.get(text, text.casefold()) if text else None
        path = f"row {sheet.header_row}.{text[:100]}"
        if name is not None and name not in COLUMNS:
            errors.setdefault(path, []).append(Message("org_unknown_column",
                                                       {"columns": ", ".join(COLUMNS)}))
        elif name is not None and name in found:
            errors.setdefault(path, []).append(Message("duplicate_column"))
        found.append(name)
    for name in REQUIRED:
        if name not in found:
            errors.setdefault(f"row {sheet.header_row}.{name}", []).append(
                Message("org_column_missing"))
    return found


def _check_row(row: OrgRow, errors: Errors, first: dict[tuple[str, str], int]) -> None:
    """What can be told from the row alone: its kind, a code, a code not repeated, no
    cell the kind does not have, a readable ``active``."""
    where = f"row {row.number}"
    if row.kind not in OWN_COLUMNS:
        errors.setdefault(f"{where}.kind", []).append(Message("org_unknown_kind"))
        return
    if not row.code:
        errors.setdefault(f"{where}.code", []).append(Message("required"))
    else:
        key = (row.kind, row.code.lower() if row.kind == "user" else row.code)
        if key in first:
            errors.setdefault(f"{where}.code", []).append(
                Message("key_repeated", {"row": first[key]}))
        first.setdefault(key, row.number)
    for column, text in row.cells.items():
        if text and column != "name" and column not in OWN_COLUMNS[row.kind]:
            errors.setdefault(f"{where}.{column}", []).append(
                Message(f"org_not_for_{row.kind}"))
    if row.kind == "user" and parse_active(row.cells.get("active", "")) is None:
        errors.setdefault(f"{where}.active", []).append(Message("invalid_boolean"))


def parse_active(text: str) -> bool | None:
    """``true``/``false`` (or yes/no, 1/0, 是/否); empty is true; None if unreadable."""
    folded = text.strip().casefold()
    if not folded or folded in TRUE:
        return True
    return False if folded in FALSE else None


def split_roles(text: str | None) -> list[str]:
    """``a, b，c`` -> ``["a", "b", "c"]`` (ASCII or full-width commas)."""
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unescape(str(cell).strip())


# -- export ------------------------------------------------------------------------------


def file_rows(departments: Iterable[dict[str, Any]],
              users: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    """The header, then a row per department (each after its parent), then per user;
    ``departments`` and ``users`` are dicts keyed by column."""
    yield list(COLUMNS)
    for kind, items in (("department", departments), ("user", users)):
        for item in items:
            values = {**item, "kind": kind}
            yield [_cell(values.get(column)) for column in COLUMNS]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return escape(",".join(value))
    return escape(str(value))
