"""What pages share when they read a submitted form: an optional value, and a service's
validation errors as messages by input, in the page's language."""

from __future__ import annotations

from flask import request

from formflow.errors import ValidationFailed
from formflow.i18n import render_errors
from formflow.web.language import page_language


def optional(name: str) -> str | None:
    """A form value with surrounding blanks removed; an empty one is None."""
    value = request.form.get(name, "").strip()
    return value or None


def field_errors(failed: ValidationFailed) -> dict[str, list[str]]:
    """The messages of a refused save by the name of the input they belong to."""
    return render_errors(failed.errors, page_language())
