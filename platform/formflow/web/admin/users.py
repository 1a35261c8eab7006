"""Admin pages for users (``/admin/users``): the list with its search, the create and
edit forms, setting a new password, and the user's API tokens (listed, revocable).  The
writes go through :class:`formflow.auth.directory.Directory`; a refused value shows
beside its input."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import User
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import LANGUAGES
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render, department_choices
from formflow.web.auth import signed_in
from formflow.web.forms import field_errors, optional

PER_PAGE = 50


@admin.get("/users")
def users():
    user = signed_in()
    text = request.args.get("q", "").strip()
    page = request.args.get("page", "1")
    listing = get_runtime().directory.users(
        user, text, int(page) if page.isdigit() else 1, PER_PAGE
    )
    return admin_render("admin/users", "users", [(_("Users"), None)],
                        partial="admin/_user_results", listing=listing, q=text)


@admin.get("/users/new")
def new_user():
    return _form(signed_in(), None, {"active": True, "roles": []})


@admin.post("/users/new")
def create_user():
    user = signed_in()
    values = _values() | {"username": request.form.get("username", "").strip(),
                          "password": request.form.get("password", "")}
    try:
        created = get_runtime().directory.create_user(user, values)
    except ValidationFailed as failed:
        return _form(user, None, values, field_errors(failed), 422)
    flash(_("Created user %(name)s.", name=created.username), "success")
    return redirect(url_for("web.admin.users", q=created.username))


@admin.get("/users/<int:user_id>")
def edit_user(user_id: int):
    user = signed_in()
    found = get_runtime().directory.user(user, user_id)
    return _form(user, found, _values_of(found))


@admin.post("/users/<int:user_id>")
def update_user(user_id: int):
    user = signed_in()
    directory = get_runtime().directory
    values = _values()
    try:
        saved = directory.update_user(user, user_id, values)
    except ValidationFailed as failed:
        found = directory.user(user, user_id)
        return _form(user, found, values, field_errors(failed), 422)
    flash(_("Saved user %(name)s.", name=saved.username), "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id))


@admin.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = signed_in()
    directory = get_runtime().directory
    try:
        directory.reset_password(user, user_id, request.form.get("password", ""),
                                 request.form.get("password_again", ""))
    except ValidationFailed as failed:
        found = directory.user(user, user_id)
        return _form(user, found, _values_of(found), password_errors=field_errors(failed),
                     status=422)
    found = directory.user(user, user_id)
    flash(_("Set a new password for %(name)s.", name=found.username), "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id))


@admin.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
def revoke_token(user_id: int, token_id: int):
    user = signed_in()
    try:
        get_runtime().directory.revoke_token(user, user_id, token_id)
    except NotFound:
        flash(_("No such token."), "error")
    else:
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id))


def _values() -> dict[str, Any]:
    """The edit form's values as the directory takes them."""
    return {
        "display_name": request.form.get("display_name", ""),
        "email": optional("email"),
        "language": optional("language"),
        "department": optional("department"),
        "manager": optional("manager"),
        "roles": request.form.getlist("roles"),
        "active": request.form.get("active") == "true",
    }


def _values_of(user: User) -> dict[str, Any]:
    runtime = get_runtime()
    departments = {d.department.id: d.department.code
                   for d in runtime.directory.departments(signed_in())}
    manager = runtime.directory.user(signed_in(), user.manager_id) if user.manager_id else None
    return {
        "display_name": user.display_name,
        "email": user.email,
        "language": user.language,
        "department": departments.get(user.department_id),
        "manager": manager.username if manager else None,
        "roles": sorted(user.roles - {"user"}),
        "active": user.active,
    }


def _form(user: User, found: User | None, values: dict[str, Any],
          errors: dict[str, list[str]] | None = None, status: int = 200, **context):
    directory = get_runtime().directory
    title = found.username if found else _("New user")
    return admin_render(
        "admin/user_form", "users",
        [(_("Users"), url_for("web.admin.users")), (title, None)],
        status=status, found=found, values=values, errors=errors or {},
        tokens=directory.tokens(user, found.id) if found else [],
        roles=directory.roles(user),
        departments=department_choices(directory.departments(user)),
        languages=LANGUAGES, **context,
    )
