"""Admin pages for departments (``/admin/departments``): the tree with each
department's parent, head and number of members; creating one; and changing its name,
head or parent (moving it with everything below it).  The edit page lists the members
with their managers.  Writes go through :class:`formflow.auth.directory.Directory`."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from formflow.auth import User
from formflow.errors import ValidationFailed
from formflow.runtime import get_runtime
from formflow.web.admin.area import admin, admin_render, department_choices
from formflow.web.auth import signed_in
from formflow.web.forms import field_errors, optional


@admin.get("/departments")
def departments():
    user = signed_in()
    rows = get_runtime().directory.departments(user)
    return admin_render("admin/departments", "departments", [(_("Departments"), None)],
                        rows=rows)


@admin.get("/departments/new")
def new_department():
    return _form(signed_in(), None, {"parent": request.args.get("parent")})


@admin.post("/departments/new")
def create_department():
    user = signed_in()
    values = _values() | {"code": request.form.get("code", "").strip()}
    try:
        created = get_runtime().directory.create_department(user, values)
    except ValidationFailed as failed:
        return _form(user, None, values, field_errors(failed), 422)
    flash(_("Created department %(name)s.", name=created.name), "success")
    return redirect(url_for("web.admin.departments"))


@admin.get("/departments/<int:department_id>")
def edit_department(department_id: int):
    user = signed_in()
    detail = get_runtime().directory.department(user, department_id)
    values = {
        "name": detail.department.name,
        "parent": detail.parent.code if detail.parent else None,
        "head": detail.head.username if detail.head else None,
    }
    return _form(user, department_id, values)


@admin.post("/departments/<int:department_id>")
def update_department(department_id: int):
    user = signed_in()
    values = _values()
    try:
        saved = get_runtime().directory.update_department(user, department_id, values)
    except ValidationFailed as failed:
        return _form(user, department_id, values, field_errors(failed), 422)
    flash(_("Saved department %(name)s.", name=saved.name), "success")
    return redirect(url_for("web.admin.departments"))


def _values() -> dict[str, Any]:
    return {
        "name": request.form.get("name", ""),
        "parent": optional("parent"),
        "head": optional("head"),
    }


def _form(user: User, department_id: int | None, values: dict[str, Any],
          errors: dict[str, list[str]] | None = None, status: int = 200):
    directory = get_runtime().directory
    rows = directory.departments(user)
    detail = directory.department(user, department_id) if department_id else None
    below = _below(rows, department_id)
    title = detail.department.name if detail else _("New department")
    return admin_render(
        "admin/department_form", "departments",
        [(_("Departments"), url_for("web.admin.departments")), (title, None)],
        status=status, detail=detail, values=values, errors=errors or {},
        parents=department_choices(r for r in rows if r.department.id not in below),
    )


def _below(rows, department_id: int | None) -> set[int]:
    """The department and those under it (not offered as its new parent)."""
    if department_id is None:
        return set()
    found = {department_id}
    for row in rows:  # tree order: a parent comes before its children
        if row.department.parent_id in found:
            found.add(row.department.id)
    return found
