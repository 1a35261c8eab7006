"""The design API's live check of an expression against a draft
(``POST /api/v1/design/apps/<app>/check-expression``)."""

from __future__ import annotations

from flask import jsonify

from formflow.api.authentication import current_api_user
from formflow.api.routes import api, json_body
from formflow.design.expression_check import check_in_draft
from formflow.design.service import DesignService
from formflow.http.language import request_language
from formflow.runtime import get_runtime


@api.post("/design/apps/<app>/check-expression")
def design_check_expression(app: str):
    user = current_api_user()
    result = check_in_draft(DesignService(get_runtime()), user, app, json_body())
    message = result.message.render(request_language(user)) if result.message else None
    return jsonify(ok=result.ok, message=message, column=result.column)
