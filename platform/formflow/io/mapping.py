"""Column mappings: which column of a file or table fills which field.

A mapping is a JSON object ``{"target_field": "source_column", ...}``, saved in a file
and passed with ``--mapping`` to ``formflow import`` (a file or ``--from-sql``).  With a
mapping only the columns it names are imported, each under its target field; other
columns are left alone, so a legacy table's extra columns need no cleaning first.
Source columns are matched as written, else regardless of case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from formflow.errors import ServiceError
from formflow.i18n import Message

Errors = dict[str, list[Message]]
#: Size of a mapping file, and entries it may hold.
MAX_BYTES = 256 * 1024
MAX_ENTRIES = 500


class BadMapping(ServiceError):
    status = 400


def read_mapping(text: str) -> dict[str, str]:
    """The mapping in ``text``; BadMapping when it is not a JSON object of names."""
    if len(text) > MAX_BYTES:
        raise BadMapping(Message("mapping_invalid", {"problem": f"over {MAX_BYTES} bytes"}))
    try:
        found = json.loads(text)
    except ValueError as error:
        raise BadMapping(Message("mapping_invalid", {"problem": str(error)[:200]})) from None
    if not isinstance(found, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
            for k, v in found.items()):
        raise BadMapping(Message("mapping_invalid", {
            "problem": 'not an object of {"field": "column"} names'}))
    if len(found) > MAX_ENTRIES:
        raise BadMapping(Message("mapping_invalid", {"problem": f"over {MAX_ENTRIES} entries"}))
    return {k.strip(): v.strip() for k, v in found.items()}


def map_columns(header: Sequence[str], mapping: Mapping[str, str]
                ) -> tuple[list[int], list[str], Errors]:
    """(the index in ``header`` of each mapped source column, the target field of each,
    problems keyed ``mapping.<target>``: a source column that is not there)."""
    exact = {name.strip(): i for i, name in enumerate(header)}
    folded = {name.strip().casefold(): i for i, name in enumerate(header)}
    pick: list[int] = []
    targets: list[str] = []
    errors: Errors = {}
    for target, column in mapping.items():
        index = exact.get(column, folded.get(column.casefold()))
        if index is None:
            errors[f"mapping.{target[:100]}"] = [
                Message("mapping_no_column", {"column": column[:100]})]
            continue
        pick.append(index)
        targets.append(target)
    return pick, targets, errors
