"""The requester's rating of a finished case, from the record page's rating card
(``templates/records/_rating.html``).  :class:`formflow.insights.feedback.FeedbackService`
decides."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ServiceError, ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.forms import field_errors
from formflow.web.records.entities import entity_or_404
from formflow.web.shell import flash_error


@web.post("/<app>/<entity>/<int:record_id>/rating")
def rate_record(app: str, entity: str, record_id: int):
    user = signed_in()
    found = entity_or_404(app, entity)
    body = {"score": request.form.get("score", ""), "comment": request.form.get("comment")}
    try:
        get_runtime().feedback.rate(user, found.qualified_name, record_id, body)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Thank you for your rating."), "success")
    return redirect(url_for("web.view_record", app=app, entity=entity, record_id=record_id,
                            _anchor="rating"))

