"""The lint of the fields a process state hides from its actors (``hidden``, 隐藏): known
fields of the entity, none also editable in the same state, none required by a
transition leaving it (its actors would have to fill a field they cannot see), and no
hidden fields on a parallel state (its steps have the actors).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formflow.metadata.process_lint import ProcessLint


def hidden_messages(lint: ProcessLint) -> Iterator[tuple[str, str]]:
    for i, state in enumerate(lint.process.states):
        if not state.hidden:
            continue
        at = f"states/{i}/hidden"
        if state.parallel is not None:
            yield at, f"parallel state {state.name!r} cannot have 'hidden': its steps do"
            continue
        yield from lint.field_list(state.hidden, at)
        for j, name in enumerate(state.hidden):
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
