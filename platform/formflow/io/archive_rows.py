"""Table rows as JSON lines for an app archive, and back, the same in every instance.

Values JSON cannot hold are tagged: ``{"$dt": iso}`` (date and time), ``{"$d": iso}``,
``{"$t": iso}``, ``{"$dec": "12.50"}``.  References that differ between instances are
written by what names them: ``{"$user": "wangfang"}`` for a user id and
``{"$dept": "SALES"}`` for a department id; on import they are looked up again.  The
checksum of a table is over its rows so written, so the same data gives the same
checksum in any instance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

TAGS = ("$dt", "$d", "$t", "$dec", "$user", "$dept")


def encode(row: Mapping[str, Any], users: Mapping[int, str], departments: Mapping[int, str],
           user_columns: Iterable[str] = (), department_columns: Iterable[str] = ()
           ) -> dict[str, Any]:
    """A stored row as JSON-ready values, its user and department ids as names."""
    found = {name: _value(value) for name, value in row.items()}
    for name in user_columns:
        if found.get(name) is not None:
            found[name] = {"$user": users.get(row[name], f"#{row[name]}")}
    for name in department_columns:
        if found.get(name) is not None:
            found[name] = {"$dept": departments.get(row[name], f"#{row[name]}")}
    return found


def decode(row: Mapping[str, Any], users: Mapping[str, int], departments: Mapping[str, int],
           missing: set[tuple[str, str]]) -> dict[str, Any]:
    """A row as written by :func:`encode`, with names looked up again; a name not found
    is added to ``missing`` as (message key, name)."""
    return {name: _back(value, users, departments, missing) for name, value in row.items()}


def names_in(rows: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """The user names and department codes the rows refer to."""
    people: set[str] = set()
    codes: set[str] = set()
    for row in rows:
        for value in row.values():
            if isinstance(value, dict) and len(value) == 1:
                if "$user" in value:
                    people.add(value["$user"])
                elif "$dept" in value:
                    codes.add(value["$dept"])
    return people, codes


def checksum(rows: Iterable[Mapping[str, Any]], leave_out: Iterable[str] = ()) -> str:
    """SHA-256 of the encoded rows (without the ``leave_out`` columns), in their order."""
    skip = set(leave_out)
    digest = hashlib.sha256()
    for row in rows:
        kept = {k: v for k, v in row.items() if k not in skip}
        digest.update(json.dumps(kept, sort_keys=True, ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def dumps(row: Mapping[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _back(value: Any, users, departments, missing: set[str]) -> Any:
    if not (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in TAGS):
        return value
    (tag, text), = value.items()
    if tag == "$dt":
        return datetime.fromisoformat(text)
    if tag == "$d":
        return date.fromisoformat(text)
    if tag == "$t":
        return time.fromisoformat(text)
    if tag == "$dec":
        return Decimal(text)
    found = (users if tag == "$user" else departments).get(text)
    if found is None:
        missing.add(("no_such_user" if tag == "$user" else "no_such_department", text))
    return found
