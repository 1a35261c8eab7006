"""Names starting with ``x_`` belong to sites: a shipped app's files may not use them,
so a site's additions to a shipped app never collide with an upgrade's."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from formflow.metadata.problems import Problem

SITE_PREFIX = "x_"


def site_names_in_files(documents: Mapping[str, Any], file: Callable[[str], str]
                        ) -> list[Problem]:
    """A problem for each field, option, state or section of ``documents`` named with
    the site prefix; ``file`` gives a document's file name for the problem."""
    return [Problem(file(key), pointer, f"{name!r}: names starting with {SITE_PREFIX!r} "
                                        "are kept for a site's additions")
            for key, document in sorted(documents.items())
            for pointer, name in _names(document)
            if isinstance(name, str) and name.startswith(SITE_PREFIX)]


def _names(document: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(document, dict):
        return
    yield "name", document.get("name")
    yield from _fields(document.get("fields"), "fields")
    for i, section in enumerate(_list((document.get("form") or {}).get("sections"))):
        if isinstance(section, dict):
            yield f"form/sections/{i}/name", section.get("name")
    for i, state in enumerate(_list(document.get("states"))):
        if isinstance(state, dict):
            yield f"states/{i}/name", state.get("name")


def _fields(fields: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    for i, field in enumerate(_list(fields)):
        if not isinstance(field, dict):
            continue
        yield f"{pointer}/{i}/name", field.get("name")
        for j, option in enumerate(_list(field.get("options"))):
            value = option.get("value") if isinstance(option, dict) else option
            yield f"{pointer}/{i}/options/{j}", value
        yield from _fields(field.get("fields"), f"{pointer}/{i}/fields")


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
