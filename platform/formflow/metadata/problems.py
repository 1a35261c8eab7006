"""Problems found in metadata, reported as ``file: json/path: message``.

A problem is an error (the metadata cannot be used) or a warning (it works, but reads
worse than it could: a process state without a label shows its name)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    path: str  # slash-separated JSON path inside the document, e.g. "fields/3/to"
    message: str
    level: str = "error"  # or "warning"

    @property
    def is_warning(self) -> bool:
        return self.level == "warning"

    def __str__(self) -> str:
        prefix = "warning: " if self.is_warning else ""
        return f"{self.file}: {self.path or '/'}: {prefix}{self.message}"


class MetadataError(Exception):
    """Metadata failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def hint(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" suffix naming the closest candidate, or nothing."""
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
