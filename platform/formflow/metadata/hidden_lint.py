"""The lint of the fields a process state hides from its actors (``hidden``, 隐藏): known
fields of the entity, none also editable in the same state, none required by a
transition leaving it (its actors would have to fill a field they cannot see), none
shown by the entity's title (stored with the record, shown wherever it is named), none
read by a computed (``compute``) or fetched (``fetch``) field the state shows (its value
would give the hidden one away), and no hidden fields on a parallel state (its steps
have the actors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formflow.metadata.model import Entity
    from formflow.metadata.process_lint import ProcessLint

_TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _title_names(entity: Entity | None) -> set[str]:
    """The fields the stored title (and number) of a record of ``entity`` show."""
    if entity is None:
        return set()
    return set(_TOKEN.findall(entity.title or "")) | set(_TOKEN.findall(entity.numbering or ""))


def _read_by(lint: ProcessLint) -> dict[str, set[str]]:
    """Each computed or fetched field of the entity -> the fields of the record it reads
    (a fetch reads its link field; a computed column reads its table and ``parent.x``)."""
    read: dict[str, set[str]] = {}
    for field in lint.entity.fields if lint.entity is not None else ():
        names = read.setdefault(field.name, set())
        if field.fetch:
            names.add(field.fetch.partition(".")[0])
        if field.compute:
            names.update(chain[0] for chain in lint.checker.references(field.compute) or ())
        for column in field.fields if field.is_table else ():
            for chain in lint.checker.references(column.compute or "") or ():
                names.update(chain[1:2] if chain[0] == "parent" else ())
        names.discard(field.name)
    return {name: names for name, names in read.items() if names}


def _revealed(lint: ProcessLint, state, at: str) -> Iterator[tuple[str, str]]:
    hidden = set(state.hidden)
    for computed, names in _read_by(lint).items():
        if computed in hidden:
            continue
        for name in sorted(names & hidden):
            yield (
                at,
                f"state {state.name!r} hides {name!r} but shows {computed!r}, which is "
                f"computed from it: hide {computed!r} there too",
            )


def hidden_messages(lint: ProcessLint) -> Iterator[tuple[str, str]]:
    for i, state in enumerate(lint.process.states):
        if not state.hidden:
            continue
        at = f"states/{i}/hidden"
        if state.parallel is not None:
            yield at, f"parallel state {state.name!r} cannot have 'hidden': its steps do"
            continue
        yield from lint.field_list(state.hidden, at)
        shown = _title_names(lint.entity)
        for j, name in enumerate(state.hidden):
            if name in shown:
                yield (
                    f"{at}/{j}",
                    f"the title of {lint.entity.name!r} shows {name!r}, so state "
                    f"{state.name!r} cannot hide it: every list and the inbox show the title",
                )
            if state.editable == ("*",):
                yield (
                    f"{at}/{j}",
                    f"state {state.name!r} makes every field editable ('*'), "
                    f"so it cannot hide {name!r}: list the editable fields instead",
                )
            elif name in state.editable:
                yield (
                    f"{at}/{j}",
                    f"field {name!r} is both editable and hidden in state {state.name!r}",
                )
        yield from _revealed(lint, state, at)
        hidden = set(state.hidden)
        for k, transition in enumerate(lint.process.transitions):
            if state.name not in transition.sources:
                continue
            for j, name in enumerate(transition.required):
                if name in hidden:
                    yield (
                        f"transitions/{k}/required/{j}",
                        f"transition {transition.name!r} from {state.name!r} requires "
                        f"{name!r}, which state {state.name!r} hides from its actors",
                    )
