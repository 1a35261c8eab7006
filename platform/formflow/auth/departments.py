"""Departments: the organisation tree, its heads, and bulk code lookups.

Functions take a SQLAlchemy ``Connection`` first and run inside the caller's
transaction.  A department is named by its ``code`` in user input and in the API, and
by its id inside the platform.  The tree is small (hundreds of rows at most), so walking
it loads it whole in one query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.tables import departments
from formflow.auth.user_input import has_control_characters
from formflow.auth.users import user_ids_by_name
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message

CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_NAME = 200


@dataclass(frozen=True)
class Department:
    id: int
    code: str
    name: str
    parent_id: int | None
    head_id: int | None


def is_valid_code(code: object) -> bool:
    valid = isinstance(code, str) and CODE_PATTERN.fullmatch(code) is not None
    return valid and code not in (".", "..")


def create_department(
    conn: Connection,
    code: str,
    name: str,
    *,
    parent: str | None = None,
    head: str | None = None,
) -> Department:
    """Create a department under the one with code ``parent`` (``None``: at the top),
    headed by the user named ``head``."""
    errors: dict[str, list[Message]] = {}
    if not is_valid_code(code):
        errors["code"] = [Message("invalid_department_code")]
    elif _id_for_code(conn, code) is not None:
        errors["code"] = [Message("department_exists", {"code": code})]
    name = _clean_name(name, errors)
    parent_id = _parent_id(conn, parent, errors)
    head_id = _head_id(conn, head, errors)
    if errors:
        raise ValidationFailed(errors)
    try:
        # A savepoint, so a code taken meanwhile by a concurrent transaction becomes a
        # validation error without spoiling the caller's transaction.
        with conn.begin_nested():
            department_id = conn.execute(
                departments.insert().values(
                    code=code, name=name, parent_id=parent_id, head_id=head_id
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise ValidationFailed({"code": [Message("department_exists", {"code": code})]}) from None
    return Department(department_id, code, name, parent_id, head_id)


def get_department(conn: Connection, department_id: int) -> Department | None:
    row = conn.execute(sa.select(departments).where(departments.c.id == department_id)).first()
    return _department(row) if row else None


def get_department_by_code(conn: Connection, code: str) -> Department | None:
    if not isinstance(code, str):
        return None
    row = conn.execute(sa.select(departments).where(departments.c.code == code)).first()
    return _department(row) if row else None


def list_departments(conn: Connection) -> list[Department]:
    """Every department, by code."""
    rows = conn.execute(sa.select(departments).order_by(departments.c.code))
    return [_department(row) for row in rows]


def rename(conn: Connection, department_id: int, name: str) -> None:
    errors: dict[str, list[Message]] = {}
    name = _clean_name(name, errors)
    if errors:
        raise ValidationFailed(errors)
    _update(conn, department_id, name=name)


def set_head(conn: Connection, department_id: int, head: str | None) -> None:
    """Make the user named ``head`` the department's head (``None``: no head)."""
    errors: dict[str, list[Message]] = {}
    head_id = _head_id(conn, head, errors)
    if errors:
        raise ValidationFailed(errors)
    _update(conn, department_id, head_id=head_id)


def move(conn: Connection, department_id: int, parent: str | None) -> None:
    """Put the department under the one with code ``parent`` (``None``: at the top).

    Refused when ``parent`` is the department itself or one below it.
    """
    errors: dict[str, list[Message]] = {}
    parent_id = _parent_id(conn, parent, errors)
    if errors:
        raise ValidationFailed(errors)
    below = subtree_ids(conn, department_id)
    if not below:
        raise NotFound(Message("not_found"))
    if parent_id in below:
        raise ValidationFailed({"parent": [Message("department_cycle")]})
    _update(conn, department_id, parent_id=parent_id)


def subtree_ids(conn: Connection, department_id: int) -> set[int]:
    """The department and every department below it (empty when it does not exist)."""
    children: dict[int | None, list[int]] = {}
    known: set[int] = set()
    for row in conn.execute(sa.select(departments.c.id, departments.c.parent_id)):
        children.setdefault(row.parent_id, []).append(row.id)
        known.add(row.id)
    if department_id not in known:
        return set()
    found = {department_id}
    pending = [department_id]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def head_of(conn: Connection, department_id: int | None) -> int | None:
    """The id of the department's own head (not inherited from above), or ``None``."""
    if department_id is None:
        return None
    return conn.scalar(sa.select(departments.c.head_id).where(departments.c.id == department_id))


def department_codes_by_id(conn: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    """Codes for these ids (unknown ids left out), in one query."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(departments.c.id, departments.c.code).where(departments.c.id.in_(wanted))
    )
    return {row.id: row.code for row in rows}


def department_ids_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """Ids for these codes (unknown codes left out), in one query."""
    wanted = sorted({c for c in codes if is_valid_code(c)})
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(departments.c.id, departments.c.code).where(departments.c.code.in_(wanted))
    )
    return {row.code: row.id for row in rows}


# -- helpers ----------------------------------------------------------------------------


def _department(row: sa.Row) -> Department:
    return Department(row.id, row.code, row.name, row.parent_id, row.head_id)


def _update(conn: Connection, department_id: int, **values: object) -> None:
    result = conn.execute(
        departments.update().where(departments.c.id == department_id).values(**values)
    )
    if result.rowcount == 0:
        raise NotFound(Message("not_found"))


def _id_for_code(conn: Connection, code: str) -> int | None:
    return conn.scalar(sa.select(departments.c.id).where(departments.c.code == code))


def _clean_name(name: object, errors: dict[str, list[Message]]) -> str:
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [Message("required")]
        return ""
    name = name.strip()
    if has_control_characters(name):
        errors["name"] = [Message("control_characters")]
    elif len(name) > MAX_NAME:
        errors["name"] = [Message("max_length", {"max": MAX_NAME})]
    return name


def _parent_id(conn: Connection, code: str | None, errors: dict[str, list[Message]]) -> int | None:
    if code is None:
        return None
    parent_id = _id_for_code(conn, code) if is_valid_code(code) else None
    if parent_id is None:
        errors["parent"] = [Message("no_such_department", {"value": code})]
    return parent_id


def _head_id(
    conn: Connection, username: str | None, errors: dict[str, list[Message]]
) -> int | None:
    if username is None:
        return None
    head_id = user_ids_by_name(conn, [username]).get(username)
    if head_id is None:
        errors["head"] = [Message("no_such_user", {"value": username})]
    return head_id
