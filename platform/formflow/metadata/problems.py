"""Problems found in metadata, reported as ``file: json/path: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    path: str  # slash-separated JSON path inside the document, e.g. "fields/3/to"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '/'}: {self.message}"


class MetadataError(Exception):
    """Metadata failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def hint(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" suffix naming the closest candidate, or nothing."""
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
