"""Admin page for roles (``/admin/roles``): ``admin`` and every role the apps declare,
with their members; adding a user to a role and taking it away.  Writes go through
:class:`formflow.auth.directory.Directory`."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.errors import ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render
from formflow.web.auth import signed_in
from formflow.web.forms import field_errors


def _page(status: int = 200, **context):
    user = signed_in()
    rows = get_runtime().directory.roles(user)
    return admin_render("admin/roles", "roles", [(_("Roles"), None)], status=status, rows=rows,
                        **context)


@admin.get("/roles")
def roles():
    return _page()


@admin.post("/roles/<role>/members")
def add_role_member(role: str):
    user = signed_in()
    username = request.form.get("username", "").strip()
    try:
        member = get_runtime().directory.add_to_role(user, role, username)
    except ValidationFailed as failed:
        return _page(422, failed_role=role, username=username, errors=field_errors(failed))
    flash(_("%(user)s now has the role %(role)s.", user=member.username, role=role), "success")
    return redirect(url_for("web.admin.roles", _anchor=f"role-{role}"))


@admin.post("/roles/<role>/members/<int:user_id>/remove")
def remove_role_member(role: str, user_id: int):
    user = signed_in()
    try:
        get_runtime().directory.remove_from_role(user, role, user_id)
    except ValidationFailed as failed:
        for messages in field_errors(failed).values():
            flash(" ".join(messages), "error")
    else:
        flash(_("Removed the role %(role)s.", role=role), "success")
    return redirect(url_for("web.admin.roles", _anchor=f"role-{role}"))
