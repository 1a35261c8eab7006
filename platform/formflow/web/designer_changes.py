"""The lines of a version's changes (:mod:`formflow.design.diff`, kept in English in the
database and the API) in the page's language: "entity vehicle: renames field tel →
phone" reads "实体 vehicle：字段 tel 改名为 phone" on a Chinese page."""

from __future__ import annotations

import re

from flask_babel import gettext as _

_LINE = re.compile(r"^(?:(?P<kind>app|entity|process)(?: (?P<name>[^:]+))?: )?(?P<change>.+)$")
_CHANGES = (
    (
        re.compile(r"^renames (?P<word>\w+) (?P<old>\S+) → (?P<new>\S+)$"),
        lambda m: _(
            "renames %(kind)s %(old)s → %(new)s", kind=_word(m["word"]), old=m["old"], new=m["new"]
        ),
    ),
    (
        re.compile(r"^adds (?P<word>\w+) ?(?P<key>.*)$"),
        lambda m: _("adds %(kind)s %(name)s", kind=_word(m["word"]), name=m["key"]).rstrip(),
    ),
    (
        re.compile(r"^removes (?P<word>\w+) ?(?P<key>.*)$"),
        lambda m: _("removes %(kind)s %(name)s", kind=_word(m["word"]), name=m["key"]).rstrip(),
    ),
    (
        re.compile(r"^reorders (?P<word>\w+)s$"),
        lambda m: _("reorders the %(kind)s list", kind=_word(m["word"])),
    ),
    (
        re.compile(
            r"^changes (?P<word>field|role|state|transition|permission) (?P<key>\S+)"
            r"(?: \((?P<props>.+)\))?$"
        ),
        lambda m: (
            _("changes %(kind)s %(name)s", kind=_word(m["word"]), name=m["key"])
            + (f" ({m['props']})" if m["props"] else "")
        ),
    ),
    (
        re.compile(r"^changes (?P<prop>\S+)$"),
        lambda m: _("changes %(property)s", property=m["prop"]),
    ),
)


def _word(word: str) -> str:
    words = {
        "app": _("app"),
        "entity": _("entity"),
        "process": _("process"),
        "field": _("field"),
        "role": _("role"),
        "state": _("state"),
        "transition": _("transition"),
        "permission": _("permission"),
    }
    return words.get(word, word)


def change_text(line: str) -> str:
    """One line of a version's changes in the page's language (as it is, when unknown)."""
    match = _LINE.match(line)
    if match is None:
        return line
    change = match["change"]
    for pattern, words in _CHANGES:
        if found := pattern.match(change):
            change = words(found)
            break
    else:
        return line
    if not match["kind"]:
        return change
    owner = f"{_word(match['kind'])} {match['name'] or ''}".rstrip()
    return _("%(owner)s: %(change)s", owner=owner, change=change)
