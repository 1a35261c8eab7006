"""What the form designer page shows, built from a draft's documents and the field-type
registry: the palette, the canvas (fields in order, line-item tables with their
columns), and the property panel generated from the selected field's property schema.
Also the operations a page submission stands for.  No Flask here."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

#: Properties the panel does not offer: fixed by the palette or edited on the canvas.
NOT_IN_PANEL = frozenset({"type", "fields", "renamed_from", "options"})
#: Labels and help are written in both languages.
LABEL_LANGUAGES = ("zh-CN", "en")
MAX_OPTIONS = 200


def text(label: Any, lang: str) -> str:
    """A label (a string or ``{"en": ..., "zh-CN": ...}``) in ``lang``, else any."""
    if isinstance(label, dict):
        return str(label.get(lang) or label.get("en") or next(iter(label.values()), ""))
    return "" if label is None else str(label)


def propose_name(label: str, taken: set[str], prefix: str = "f", own: str = "") -> str:
    """A name from a label: an ASCII slug (``Plate number`` -> ``plate_number``); a
    label without ASCII letters (Chinese) gets ``<prefix>_<n>``.  Never one in ``taken``.
    ``own``: what starts every name (``x_`` for what a site adds to a shipped app)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:40]
    if not slug or not slug[0].isalpha():
        number = 1
        while f"{own}{prefix}_{number}" in taken:
            number += 1
        return f"{own}{prefix}_{number}"
    name, number = own + slug, 2
    while name in taken:
        name, number = f"{own}{slug}_{number}", number + 1
    return name


def label_of(form: Any, prefix: str = "label") -> dict | None:
    """A label from the inputs ``<prefix>_zh-CN`` and ``<prefix>_en`` (None: empty)."""
    label = {lang: form.get(f"{prefix}_{lang}", "").strip() for lang in ("zh-CN", "en")}
    return {lang: value for lang, value in label.items() if value} or None


def posted_name(form: Any, label: dict | None, taken: set[str], prefix: str,
                field: str = "name") -> str:
    """The name a form gives in ``field``, or one proposed from its label."""
    return form.get(field, "").strip() or propose_name(
        (label or {}).get("en") or (label or {}).get("zh-CN", ""), taken, prefix)


def order_op(names: list[str], name: str, path: str, *, up: bool) -> dict:
    """The ``order`` operation moving ``name`` (at ``path``) one place up or down among
    ``names``; an unknown name still makes an operation, which the service refuses
    naming the path."""
    if name not in names:
        return {"op": "order", "path": path, "after": ""}
    index = names.index(name)
    target = max(index - 1, 0) if up else min(index + 1, len(names) - 1)
    rest = [n for n in names if n != name]
    return {"op": "order", "path": path, "after": "" if target == 0 else rest[target - 1]}


@dataclass(frozen=True)
class Control:
    """One input of the property panel: ``kind`` is checkbox, number, text, list (comma
    separated) or label (one input per language)."""

    prop: str
    label: str
    kind: str
    value: Any


def _kind(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return "label"
    kind = schema.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number") or kind == ["number", "string"]:
        return "number"
    if kind == "array":
        return "list"
    return "text"


def panel(schema: dict[str, Any], field: dict[str, Any], lang: str) -> list[Control]:
    """The property panel of ``field`` from its type's property ``schema``."""
    controls = []
    for prop, prop_schema in schema.get("properties", {}).items():
        if prop in NOT_IN_PANEL:
            continue
        controls.append(Control(prop, text(prop_schema.get("x-label"), lang),
                                _kind(prop_schema), field.get(prop)))
    return controls


def property_value(schema: dict[str, Any], prop: str, form: dict[str, str]) -> Any:
    """The value a panel input submitted, as the document holds it (``None``: unset).
    ``form`` holds ``value`` or, for a label, ``value_<lang>``; a number that is not
    one is kept as text so the draft's check names the problem."""
    kind = _kind(schema["properties"][prop])
    if kind == "label":
        label = {lang: form.get(f"value_{lang}", "").strip() for lang in LABEL_LANGUAGES}
        label = {lang: value for lang, value in label.items() if value}
        return label or None
    raw = form.get("value", "").strip()
    if kind == "checkbox":
        return True if form.get("value") == "on" else None
    if not raw:
        return None
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and "." not in raw else number
    if kind == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def parse_options(raw: str) -> list[dict[str, Any]]:
    """Options from lines ``value | English | 中文 | colour`` (all but the value optional)."""
    options = []
    for line in raw.splitlines()[:MAX_OPTIONS]:
        parts = [part.strip() for part in line.split("|")]
        if not parts[0]:
            continue
        option: dict[str, Any] = {"value": parts[0]}
        label = {lang: parts[i] for i, lang in ((1, "en"), (2, "zh-CN"))
                 if len(parts) > i and parts[i]}
        if label:
            option["label"] = label
        if len(parts) > 3 and parts[3]:
            option["color"] = parts[3]
        options.append(option)
    return options


def with_hidden(options: list[dict[str, Any]], before: Any) -> list[dict[str, Any]]:
    """``options`` (from the options box) and the hidden options of ``before`` it does
    not name again: the box does not show them, so leaving them out keeps them."""
    named = {option["value"] for option in options}
    return options + [option for option in before or []
                      if isinstance(option, dict) and option.get("hidden")
                      and option.get("value") not in named]


def options_text(options: Any) -> str:
    """Options as the lines :func:`parse_options` reads (hidden ones left out)."""
    lines = []
    for option in options or []:
        if isinstance(option, dict) and option.get("hidden"):
            continue
        if isinstance(option, str):
            lines.append(option)
            continue
        label = option.get("label") or {}
        if isinstance(label, str):
            label = {"en": label}
        parts = [option.get("value", ""), label.get("en", ""), label.get("zh-CN", ""),
                 option.get("color", "")]
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)


def field_path(entity: str, field: str, table: str | None = None) -> str:
    inner = f"{table}/fields/{field}" if table else field
    return f"entities/{entity}/fields/{inner}"


def move_op(entity: str, fields: list[dict], name: str, step: int,
            table: str | None = None) -> dict | None:
    """The ``order`` operation that moves field ``name`` one place up (-1) or down (+1)
    among ``fields``; ``None`` when it cannot move that way."""
    names = [item.get("name") for item in fields]
    if name not in names:
        return None
    index = names.index(name) + step
    if index < 0 or index >= len(names):
        return None
    names.remove(name)
    after = names[index - 1] if index > 0 else ""
    return {"op": "order", "path": field_path(entity, name, table), "after": after}


def sections(document: dict) -> list[dict]:
    form = document.get("form")
    found = form.get("sections") if isinstance(form, dict) else None
    return [s for s in found or [] if isinstance(s, dict)]


def section_of(document: dict, field: str) -> str:
    return next((s.get("name", "") for s in sections(document)
                 if field in (s.get("fields") or [])), "")


def add_section_ops(entity: str, document: dict, label: str, columns: int,
                    lang: str, own: str = "") -> list[dict]:
    """A new named section (and the form that holds it, when there is none yet)."""
    taken = {s.get("name") for s in sections(document)}
    name = propose_name(label, taken, "section", own)
    ops = [] if isinstance(document.get("form"), dict) else [
        {"op": "set", "path": f"entities/{entity}/form", "value": {"sections": []}}]
    value = {"name": name, "label": {lang: label or name}, "columns": columns, "fields": []}
    ops.append({"op": "add", "path": f"entities/{entity}/form/sections/{name}", "value": value})
    return ops


def place_ops(entity: str, document: dict, field: str, target: str) -> list[dict]:
    """Move ``field`` into section ``target`` (at its end), out of the one it was in;
    ``target`` empty: out of every section."""
    ops = []
    for section in sections(document):
        names = list(section.get("fields") or [])
        name = section.get("name")
        if name == target and field not in names:
            names.append(field)
        elif name != target and field in names:
            names.remove(field)
        else:
            continue
        ops.append({"op": "set", "path": f"entities/{entity}/form/sections/{name}/fields",
                    "value": names})
    return ops
