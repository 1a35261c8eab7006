"""Fields hidden on particular records (the plugins' ``record_hidden_fields``: a process
state's ``hidden`` fields, from the holders of its open tasks), beyond the fields'
``read`` roles.

A record's JSON, its list rows, exports, history and form previews leave them out.  A
list may not filter or sort on a field hidden from the user on any record of the entity
(422, naming the field), and its search and sums leave such a field out, so neither a
match nor a total tells what a hidden value is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from formflow.errors import ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Field

#: Record id -> the field names hidden from the user on that record.
Hidden = Mapping[int, frozenset[str]]


class HiddenField(ValidationFailed):
    """A list filtered or sorted on a field hidden from the user: a 422 whose message,
    and its one error, name the field."""

    def __init__(self, name: str):
        message = Message("hidden_at_step", {"name": name})
        super().__init__({name: [message]})
        self.message = message


def joined(answers: Iterable[Mapping[int, Collection[str]] | None]) -> dict[int, frozenset[str]]:
    """The plugins' answers as one mapping (records hiding nothing left out)."""
    merged: dict[int, set[str]] = {}
    for answer in answers:
        for record_id, names in (answer or {}).items():
            merged.setdefault(record_id, set()).update(names)
    return {record_id: frozenset(names) for record_id, names in merged.items() if names}


def without(record: dict[str, Any], names: Collection[str]) -> dict[str, Any]:
    """``record`` (JSON form) without the fields ``names``."""
    return {k: v for k, v in record.items() if k not in names} if names else record


def redacting(
    to_json: Callable[[Any], dict[str, Any]], hidden: Hidden
) -> Callable[[Any], dict[str, Any]]:
    """``to_json`` leaving out of each record what is hidden on it."""
    if not hidden:
        return to_json

    def shown(record: Any) -> dict[str, Any]:
        data = to_json(record)
        return without(data, hidden.get(data.get("id"), ()))

    return shown


def listable(readable: Callable[[Field], bool], names: Collection[str]) -> Callable[[Field], bool]:
    """``readable`` less the fields ``names``: what a list may filter, sort, search and
    add up."""
    if not names:
        return readable
    return lambda field: readable(field) and field.name not in names


def refuse_hidden(args: Mapping[str, Sequence[str]], names: Collection[str]) -> None:
    """A 422 naming the first field of ``names`` the list arguments filter or sort on."""
    if not names:
        return
    asked = [key.partition("__")[0] for key in args]
    for sort in args.get("sort", ()):
        asked += [part.strip().lstrip("+-") for part in sort.split(",")]
    for name in (name.split(".")[0] for name in asked):
        if name in names:
            raise HiddenField(name)
