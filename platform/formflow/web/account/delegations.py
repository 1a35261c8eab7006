"""The deputies section of the profile page (委托): name a deputy for a range of days,
in every process or chosen ones, and end a delegation — through
:class:`~formflow.process.delegation.Delegations`, as the REST API does."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime
from formflow.web.account.profile import render_profile
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language


@web.post("/profile/delegations")
def new_delegation():
    user = signed_in()
    form = {"deputy": request.form.get("deputy", ""),
            "starts_on": request.form.get("starts_on", ""),
            "ends_on": request.form.get("ends_on", ""),
            "processes": request.form.getlist("processes")}
    try:
        get_runtime().delegations.create(user, form)
    except ValidationFailed as failed:
        return render_profile(422, delegation_errors=render_errors(failed.errors, page_language()),
                              delegation_form=form)
    flash(_("Your deputy will receive your new tasks on those days."), "success")
    return redirect(url_for("web.profile"))


@web.post("/profile/delegations/<int:delegation_id>/delete")
def end_delegation(delegation_id: int):
    user = signed_in()
    try:
        get_runtime().delegations.delete(user, delegation_id)
    except NotFound:
        flash(_("No such delegation."), "error")
        return redirect(url_for("web.profile"))
    flash(_("The delegation has ended."), "success")
    return redirect(url_for("web.profile"))
