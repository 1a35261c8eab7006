"""Which records a save may link to, and which linked records it may look into.

A link set now must name a live record the saving user may read, unless its field says
``"link_scope": "all"``; a missing record and one out of sight get the same answer, so
a save cannot tell whether an id exists.  A linked record the user may not read is never
looked into: a new link to it yields nothing for fetched and computed values (the
preview shows them), and a fetched value from it, or from a field of it the user may not
read, keeps what the record already held.  Links the record already had are left as
they are (a record someone else linked stays savable).  One query per linked entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.fields import Registry
from formflow.i18n import Message
from formflow.metadata.model import Entity, Label
from formflow.records.payload import Errors, add_error
from formflow.records.references import has_references, slots
from formflow.storage.repository import existing_ids
from formflow.storage.tables import EntityTables

#: (qualified entity, record id) of a linked record.
Target = tuple[str, int]


@dataclass
class LinkCheck:
    """What :func:`check_links` found: errors by field path, and the linked records the
    user may not read (``unreadable``), those among them linked only now (``new``)."""

    errors: Errors = field(default_factory=dict)
    unreadable: set[Target] = field(default_factory=set)
    new: set[Target] = field(default_factory=set)

    def hidden(self, target: Target) -> bool:
        """Whether a save must not look into ``target`` at all."""
        return target in self.unreadable and target in self.new


def check_links(
    conn: Connection,
    entity: Entity,
    record: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    changed: set[str],
    field_types: Registry,
    tables_of: Callable[[str], EntityTables],
    label_of: Callable[[str], Label],
    read_condition: Callable[[str], sa.ColumnElement[bool] | None],
) -> LinkCheck:
    """Check the links of ``record`` (internal form) in the fields written now, and find
    which linked records the user may read: those links, plus the links fetched values
    come through.  ``read_condition``: the user's read scope on an entity's main table
    (None: every record)."""
    found = LinkCheck()
    if not has_references(entity, "record", field_types):
        return found  # nothing links: nothing to look up
    written = [
        slot for slot in slots(entity, [record], "record", field_types)
        if slot[1].get(slot[0].name) is not None and slot[2].split("[")[0] in changed
    ]
    before = _linked_before(entity, current, field_types)
    wanted: dict[str, set[int]] = {}
    for link, holder, _path in written:
        target = (link.to or "", holder[link.name])
        wanted.setdefault(target[0], set()).add(target[1])
        if target not in before:
            found.new.add(target)
    conditions: dict[str, sa.ColumnElement[bool] | None] = {}

    def condition_for(target: str):
        if target not in conditions:
            conditions[target] = read_condition(target)
        return conditions[target]

    for link in _fetching_links(entity):
        value = record.get(link.name)
        if value is not None and condition_for(link.to or "") is not None:
            wanted.setdefault(link.to or "", set()).add(value)
    live: dict[Target, bool] = {}
    for target, ids in wanted.items():
        readable = existing_ids(conn, tables_of(target), ids, condition_for(target))
        live.update(((target, record_id), flag) for record_id, flag in readable.items())
    found.unreadable = {target for target, readable in live.items() if not readable}
    for link, holder, path in written:
        target = (link.to or "", holder[link.name])
        refused = target in found.new and not live.get(target) and link.link_scope != "all"
        if target not in live or refused:
            params = {"entity": label_of(target[0]), "id": target[1]}
            add_error(found.errors, path, Message("no_such_record", params))
    return found


def _linked_before(entity: Entity, current: Mapping[str, Any] | None, field_types) -> set:
    """The (entity, id) pairs the stored record links to, in any field or line item."""
    if current is None:
        return set()
    return {
        (link.to or "", holder[link.name])
        for link, holder, _ in slots(entity, [current], "record", field_types)
        if holder.get(link.name) is not None
    }


def _fetching_links(entity: Entity) -> list:
    names = {f.fetch.partition(".")[0] for f in entity.scalar_fields if f.fetch}
    return [f for f in entity.scalar_fields if f.name in names and f.type == "link"]
