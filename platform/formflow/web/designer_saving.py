"""Saving a designer form: its design operations applied to the draft at the revision
the form was made from, and what the designer is told ("Saved ✓", a refusal, or that
someone else changed the draft meanwhile)."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _

from formflow.errors import StaleVersion, ValidationFailed
from formflow.web.auth import signed_in
from formflow.web.designer_apps import service
from formflow.web.forms import field_errors


def saved(app: str, ops: list[dict]) -> bool:
    """Apply ``ops`` to the draft at the form's ``revision``; flash "Saved ✓", the refusal
    or the stale-draft message.  True when the operations were applied."""
    try:
        service().apply(signed_in(), app, ops, request.form.get("revision", type=int))
    except StaleVersion:
        flash(
            _(
                "Someone else changed this draft meanwhile. Reload the page to see their "
                "change, then make yours again."
            ),
            "error",
        )
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    else:
        flash(_("Saved ✓"), "success")
        return True
    return False
