"""Where an address the browser sent (``next=...``) may send it back to: only a path on
this site.

Refused: anything not starting with one ``/`` (``//evil.example``, ``https://...``,
``javascript:...``), a backslash (browsers read ``/\\evil.example`` as ``//``), any
control or invisible format character (browsers drop tabs and newlines from addresses,
so ``/<TAB>/evil.example`` is ``//evil.example``; a newline would also split the
``Location`` header), and the percent-encoded forms of all of these in the path.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

#: Unicode categories that never belong in an address: controls, invisible format
#: characters (bidirectional overrides, zero-width spaces) and line separators.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


def is_local_path(target: str) -> bool:
    """True when ``target`` is a path on this site, safe to put in ``Location``."""
    if not _plain_path(target):
        return False
    return _plain_path(unquote(urlsplit(target).path))


def local_path_or_empty(target: str) -> str:
    """``target`` when it is a path on this site, else ""."""
    return target if is_local_path(target) else ""


def _plain_path(text: str) -> bool:
    return (
        text.startswith("/")
        and not text.startswith("//")
        and "\\" not in text
        and not any(unicodedata.category(c) in _HIDDEN for c in text)
    )
