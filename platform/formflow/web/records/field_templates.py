"""The templates of field types: a form widget and a read-only value per type.

A field type names its templates from specific to general (``fields/<type>.html`` for
the type and each type it derives from, then ``fields/input.html``; values under
``fields/value/``), so a plugin type gets a working widget with no template of its own
and an app or plugin can add ``fields/<type>.html`` to give it a better one.  Each
widget template defines ``widget(field, n, v, st, errs, view, label, autofocus, lang,
common, invalid)``; each value template ``value(field, v, refs, file_url, lang)``.

The first template found is remembered per type (looking up a missing template costs
a file system search), except while templates reload on change.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from jinja2 import Environment

from formflow.metadata.model import Field
from formflow.runtime import get_runtime

_MACROS = {"widget": "widget_templates", "value": "value_templates"}
_found: WeakKeyDictionary[Environment, dict[tuple[str, str], Any]] = WeakKeyDictionary()


def register_field_templates(app: Flask) -> None:
    app.jinja_env.globals.update(field_macro=field_macro)


def field_macro(field: Field, kind: str) -> Any:
    """The ``widget`` or ``value`` macro of ``field``'s type."""
    env = current_app.jinja_env
    cache = _found.setdefault(env, {})
    key = (field.type, kind)
    macro = cache.get(key)
    if macro is None:
        field_type = get_runtime().field_types[field.type]
        names = getattr(field_type, _MACROS[kind])()
        macro = getattr(env.select_template(names).module, kind)
        if not env.auto_reload:
            cache[key] = macro
    return macro
