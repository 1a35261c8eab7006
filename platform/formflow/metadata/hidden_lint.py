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
from collections.abc import Callable, Iterator
from functools import partial
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


def _per_field(
    at: str, names: tuple[str, ...], problems: Callable[[str], Iterator[str]]
) -> Iterator[tuple[str, str]]:
    """Each message ``problems`` gives of the ``j``-th of ``names``, at ``at/j``."""
    for j, name in enumerate(names):
        for message in problems(name):
            yield f"{at}/{j}", message


def _hiding_problems(lint: ProcessLint, state, shown: set[str], name: str) -> Iterator[str]:
    """Why ``state`` cannot hide ``name``: the title shows it, or the state lets it be
    edited."""
    if name in shown:
        yield (
            f"the title of {lint.entity.name!r} shows {name!r}, so state "
            f"{state.name!r} cannot hide it: every list and the inbox show the title"
        )
    if state.editable == ("*",):
        yield (
            f"state {state.name!r} makes every field editable ('*'), "
            f"so it cannot hide {name!r}: list the editable fields instead"
        )
    elif name in state.editable:
        yield f"field {name!r} is both editable and hidden in state {state.name!r}"


def _required_problems(state, transition, name: str) -> Iterator[str]:
    """Why ``transition`` cannot require ``name``: ``state``, one it leaves, hides it."""
    if name in state.hidden:
        yield (
            f"transition {transition.name!r} from {state.name!r} requires "
            f"{name!r}, which state {state.name!r} hides from its actors"
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
        yield from _per_field(at, state.hidden, partial(_hiding_problems, lint, state, shown))
        yield from _revealed(lint, state, at)
        for k, transition in enumerate(lint.process.transitions):
            if state.name in transition.sources:
                yield from _per_field(
                    f"transitions/{k}/required",
                    transition.required,
                    partial(_required_problems, state, transition),
                )
