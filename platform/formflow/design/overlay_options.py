"""A shipped field's options edited as a whole list (the designer's options box) become
the operations a site may make on them: a new option is added, a dropped shipped option
is hidden (records holding it keep it), a dropped site option is removed, a changed one
is set.  Options hidden already stay hidden unless the list names them again."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from formflow.design.overlay_apply import value_at
from formflow.design.paths import PathError

OPTIONS_PATH = re.compile(r"entities/[^/]+/fields/[^/]+(?:/fields/[^/]+)?/options")


def split_options(shipped: Mapping[str, Any], documents: Mapping[str, Any], op: Any) -> list:
    """``op`` as the operations it stands for on a shipped field's options (itself
    when it is not a ``set`` of such a list)."""
    if not (isinstance(op, dict) and op.get("op") == "set" and isinstance(op.get("value"), list)
            and OPTIONS_PATH.fullmatch(str(op.get("path")))):
        return [op]
    try:
        was = value_at(shipped, op["path"]).get("value")
        current = value_at(documents, op["path"]).get("value")
    except PathError:
        return [op]
    if not isinstance(was, list) or not isinstance(current, list):
        return [op]
    path = op["path"]
    shipped_keys = {_key(o) for o in was}
    now = {_key(o): _plain(o) for o in current}
    new = {_key(o): _plain(o) for o in op["value"]}
    ops = [{"op": "hide" if key in shipped_keys else "remove", "path": f"{path}/{key}"}
           for key, option in now.items() if key not in new and not option.get("hidden")]
    previous = None
    for key, option in new.items():
        if key not in now:
            ops.append({"op": "add", "path": f"{path}/{key}", "value": option,
                        "after": previous or ""})
        elif {k: v for k, v in now[key].items() if k != "hidden"} != option or \
                now[key].get("hidden"):
            ops.append({"op": "set", "path": f"{path}/{key}", "value": option})
        previous = key
    return ops


def _key(option: Any) -> str:
    return option.get("value") if isinstance(option, dict) else option


def _plain(option: Any) -> dict:
    return dict(option) if isinstance(option, dict) else {"value": option}
