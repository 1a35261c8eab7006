"""The directory an administrator keeps: users, departments and role memberships.

The service behind the admin pages: every method takes the acting user first, refuses
anyone but an admin (:class:`~formflow.errors.Forbidden`), and does its work in one
transaction with the functions of :mod:`~formflow.auth.users` and
:mod:`~formflow.auth.departments`.  A change touching several things (a user's profile,
department, manager, roles and status) reports every invalid value at once, keyed by
its input's name, and writes nothing unless all of them are valid.  Admins cannot lock
themselves out: they may not deactivate their own account or drop their own admin role.
Each change that happened is written to the admin log (:mod:`~formflow.auth.admin_log`)
in the same transaction; a refused or invalid change writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.admin_log import Target, record
from formflow.auth.departments import (
    Department,
    create_department,
    department_codes_by_id,
    get_department,
    list_departments,
    move,
    rename,
    set_head,
)
from formflow.auth.passwords import password_problems
from formflow.auth.policy import DEFAULT_POLICY, AccountPolicy
from formflow.auth.tables import users
from formflow.auth.tokens import TokenInfo, list_tokens, revoke_token
from formflow.auth.users import (
    User,
    activate,
    create_user,
    deactivate,
    get_user,
    get_user_by_name,
    get_users,
    search_users,
    set_department,
    set_manager,
    set_password,
    set_profile,
    set_roles,
    user_ids_in_departments,
    user_ids_with_role,
    usernames_by_id,
)
from formflow.errors import Forbidden, NotFound, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.model import Label, Model

ADMIN_LABEL = Label.of({"en": "Administrator", "zh-CN": "系统管理员"})
#: The built-in roles besides ``user``, and their labels.
BUILTIN_LABELS = {
    "admin": ADMIN_LABEL,
    "designer": Label.of({"en": "Designer", "zh-CN": "应用设计者"}),
}
Errors = dict[str, list[Message]]


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    total: int
    page: int
    per_page: int
    #: The departments and managers the page's users point at, by id.
    departments: Mapping[int, Department]
    managers: Mapping[int, User]


@dataclass(frozen=True)
class DepartmentRow:
    """A department in tree order: ``depth`` 0 at the top."""

    department: Department
    depth: int
    parent: Department | None
    head: User | None
    members: int


@dataclass(frozen=True)
class DepartmentDetail:
    department: Department
    parent: Department | None
    head: User | None
    #: Its members by user name, and their managers by id.
    members: list[User]
    managers: Mapping[int, User]


@dataclass(frozen=True)
class RoleRow:
    name: str
    label: Label
    #: The apps declaring the role (empty for the built-in ``admin``).
    apps: tuple[str, ...]
    members: list[User]


class Directory:
    def __init__(self, db, model: Model, policy: AccountPolicy = DEFAULT_POLICY,
                 on_deactivate=None):
        self.db = db
        self.model = model
        self.policy = policy
        #: Called as ``on_deactivate(conn, actor, user_id)`` in the transaction that
        #: deactivates a user (the process engine hands their open tasks on).
        self.on_deactivate = on_deactivate

    def require_admin(self, actor: User) -> None:
        """Refuse (:class:`Forbidden`) anyone but an admin: the admin area's guard."""
        _require_admin(actor)

    def summary(self, actor: User) -> dict[str, int]:
        """Counts for the admin area's front page: ``users``, ``active``, ``departments``."""
        _require_admin(actor)
        with self.db.read() as conn:
            total, active = conn.execute(sa.select(
                sa.func.count(), sa.func.count().filter(users.c.active.is_(True))
            )).one()
            departments = len(list_departments(conn))
        return {"users": total, "active": active, "departments": departments}

    # -- users --------------------------------------------------------------------------

    def users(self, actor: User, text: str = "", page: int = 1, per_page: int = 50) -> UserPage:
        """One page of the users matching ``text`` (name, display name, e-mail)."""
        _require_admin(actor)
        page = max(page, 1)
        with self.db.read() as conn:
            found, total = search_users(conn, text, limit=per_page, offset=(page - 1) * per_page)
            departments = {d.id: d for d in list_departments(conn)}
            managers = get_users(conn, (u.manager_id for u in found))
        return UserPage(found, total, page, per_page, departments, managers)

    def user(self, actor: User, user_id: int) -> User:
        _require_admin(actor)
        with self.db.read() as conn:
            return _existing_user(conn, user_id)

    def create_user(self, actor: User, values: Mapping[str, Any]) -> User:
        """``values``: ``username``, ``password``, ``display_name``, ``email``,
        ``language``, ``department`` (a code), ``manager`` (a user name), ``roles``."""
        _require_admin(actor)
        with self.db.write() as conn:
            return create_user(
                conn, values.get("username", ""), values.get("password", ""),
                display_name=values.get("display_name"), email=values.get("email"),
                language=values.get("language"), department=values.get("department"),
                manager=values.get("manager"), roles=values.get("roles", ()),
                known_roles=self.model.roles, actor=actor, policy=self.policy,
            )

    def update_user(self, actor: User, user_id: int, values: Mapping[str, Any]) -> User:
        """Set ``display_name``, ``email``, ``language``, ``department``, ``manager``,
        ``roles`` and ``active`` together."""
        _require_admin(actor)
        roles = set(values.get("roles", ()))
        active = bool(values.get("active"))
        errors: Errors = {}
        if user_id == actor.id and not active:
            errors["active"] = [Message("own_account_inactive")]
        if user_id == actor.id and "admin" not in roles:
            errors["roles"] = [Message("own_admin_role")]
        with self.db.write() as conn:
            before = _existing_user(conn, user_id)
            _collect(errors, lambda: set_profile(
                conn, user_id, display_name=values.get("display_name"),
                email=values.get("email"), language=values.get("language")))
            _collect(errors, lambda: set_department(conn, user_id, values.get("department")))
            _collect(errors, lambda: set_manager(conn, user_id, values.get("manager")))
            if "roles" not in errors:
                _collect(errors, lambda: set_roles(conn, user_id, roles,
                                                   known_roles=self.model.roles))
            if errors:
                raise ValidationFailed(errors)  # rolls back what was already written
            (activate if active else deactivate)(conn, user_id)
            if before.active and not active and self.on_deactivate is not None:
                self.on_deactivate(conn, actor, user_id)
            after = get_user(conn, user_id)
            _log_user_changes(conn, actor, before, after)
            return after

    def reset_password(self, actor: User, user_id: int, password: str, again: str) -> None:
        """Give the user a new password (typed twice)."""
        _require_admin(actor)
        with self.db.write() as conn:
            found = _existing_user(conn, user_id)
            if problems := password_problems(password, found.username, self.policy):
                raise ValidationFailed({"password": problems})
            if password != again:
                raise ValidationFailed({"password_again": [Message("passwords_differ")]})
            set_password(conn, user_id, password, actor=actor, policy=self.policy)

    def tokens(self, actor: User, user_id: int) -> list[TokenInfo]:
        """The user's API tokens, oldest first (never the tokens themselves)."""
        _require_admin(actor)
        with self.db.read() as conn:
            _existing_user(conn, user_id)
            return list_tokens(conn, user_id)

    def revoke_token(self, actor: User, user_id: int, token_id: int) -> None:
        """Revoke one of the user's API tokens."""
        _require_admin(actor)
        with self.db.write() as conn:
            revoke_token(conn, token_id, user_id=user_id, actor=actor)

    # -- departments --------------------------------------------------------------------

    def departments(self, actor: User) -> list[DepartmentRow]:
        """Every department in tree order (children by code under their parent)."""
        _require_admin(actor)
        with self.db.read() as conn:
            found = list_departments(conn)
            heads = get_users(conn, (d.head_id for d in found))
            counts = dict(conn.execute(
                sa.select(users.c.department_id, sa.func.count())
                .where(users.c.department_id.is_not(None)).group_by(users.c.department_id)
            ).all())
        by_id = {d.id: d for d in found}
        children: dict[int | None, list[Department]] = {}
        for department in found:
            parent = department.parent_id if department.parent_id in by_id else None
            children.setdefault(parent, []).append(department)
        rows: list[DepartmentRow] = []

        def walk(parent: int | None, depth: int) -> None:
            for department in children.get(parent, ()):
                rows.append(DepartmentRow(
                    department, depth, by_id.get(department.parent_id),
                    heads.get(department.head_id), counts.get(department.id, 0),
                ))
                walk(department.id, depth + 1)

        walk(None, 0)
        return rows

    def department(self, actor: User, department_id: int) -> DepartmentDetail:
        """The department with its parent, head, members and their managers."""
        _require_admin(actor)
        with self.db.read() as conn:
            found = get_department(conn, department_id)
            if found is None:
                raise NotFound(Message("not_found"))
            parent = get_department(conn, found.parent_id) if found.parent_id else None
            members = get_users(conn, user_ids_in_departments(conn, [department_id]))
            people = get_users(conn, [found.head_id, *(u.manager_id for u in members.values())])
        return DepartmentDetail(
            found, parent, people.get(found.head_id),
            sorted(members.values(), key=lambda u: u.username.lower()),
            {u.manager_id: people[u.manager_id] for u in members.values()
             if u.manager_id in people},
        )

    def create_department(self, actor: User, values: Mapping[str, Any]) -> Department:
        """``values``: ``code``, ``name``, ``parent`` (a code), ``head`` (a user name)."""
        _require_admin(actor)
        with self.db.write() as conn:
            created = create_department(conn, values.get("code", ""), values.get("name", ""),
                                        parent=values.get("parent"), head=values.get("head"))
            record(conn, actor, "department.create", _department_target(created),
                   {"code": created.code, "name": created.name,
                    "parent": values.get("parent"), "head": values.get("head")})
            return created

    def update_department(self, actor: User, department_id: int,
                          values: Mapping[str, Any]) -> Department:
        """Set ``name``, ``parent`` (moving the department and everything below it) and
        ``head`` together."""
        _require_admin(actor)
        errors: Errors = {}
        with self.db.write() as conn:
            before = get_department(conn, department_id)
            if before is None:
                raise NotFound(Message("not_found"))
            _collect(errors, lambda: rename(conn, department_id, values.get("name", "")))
            _collect(errors, lambda: move(conn, department_id, values.get("parent")))
            _collect(errors, lambda: set_head(conn, department_id, values.get("head")))
            if errors:
                raise ValidationFailed(errors)
            after = get_department(conn, department_id)
            _log_department_changes(conn, actor, before, after)
            return after

    # -- roles --------------------------------------------------------------------------

    def roles(self, actor: User) -> list[RoleRow]:
        """``admin``, ``designer`` and every role the apps declare, with their members."""
        _require_admin(actor)
        declared: dict[str, tuple[Label, list[str]]] = {}
        for app in self.model.apps.values():
            for role in app.roles:
                declared.setdefault(role.name, (role.label, []))[1].append(app.name)
        names = [*BUILTIN_LABELS, *sorted(n for n in declared if n not in BUILTIN_LABELS)]
        with self.db.read() as conn:
            members = {n: user_ids_with_role(conn, n, active_only=False) for n in names}
            people = get_users(conn, set().union(*members.values()))
        rows = []
        for name in names:
            label, apps = declared.get(name, (BUILTIN_LABELS.get(name), []))
            found = sorted((people[i] for i in members[name] if i in people),
                           key=lambda u: u.username.lower())
            rows.append(RoleRow(name, label, tuple(apps), found))
        return rows

    def add_to_role(self, actor: User, role: str, username: str) -> User:
        """Give ``role`` to the user named ``username``."""
        _require_admin(actor)
        self._known_role(role)
        with self.db.write() as conn:
            member = get_user_by_name(conn, (username or "").strip())
            if member is None:
                raise ValidationFailed({"username": [Message("no_such_user",
                                                             {"value": username})]})
            if role not in member.roles:
                set_roles(conn, member.id, member.roles | {role}, known_roles=self.model.roles)
                record(conn, actor, "role.grant", _user_target(member), {"role": role})
        return member

    def remove_from_role(self, actor: User, role: str, user_id: int) -> None:
        _require_admin(actor)
        self._known_role(role)
        if role == "admin" and user_id == actor.id:
            raise ValidationFailed({"roles": [Message("own_admin_role")]})
        with self.db.write() as conn:
            member = _existing_user(conn, user_id)
            if role in member.roles:
                set_roles(conn, user_id, member.roles - {role}, known_roles=self.model.roles)
                record(conn, actor, "role.revoke", _user_target(member), {"role": role})

    def _known_role(self, role: str) -> None:
        if role == "user" or role not in self.model.roles:
            raise NotFound(Message("not_found"))


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden(Message("forbidden"))


def _existing_user(conn: Connection, user_id: int) -> User:
    found = get_user(conn, user_id)
    if found is None:
        raise NotFound(Message("not_found"))
    return found


def _collect(errors: Errors, step: Callable[[], object]) -> None:
    """Run one change, adding its validation errors to ``errors`` instead of stopping."""
    try:
        step()
    except ValidationFailed as failed:
        errors.update(failed.errors)



# -- the admin log ----------------------------------------------------------------------


def _user_target(user: User) -> Target:
    return Target("user", user.id, user.username)


def _department_target(department: Department) -> Target:
    return Target("department", department.id, department.code)


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """``{name: [old, new]}`` for the values that differ."""
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def _log_user_changes(conn: Connection, actor: User, before: User, after: User) -> None:
    """``user.update`` for the profile, department and manager, ``role.grant`` and
    ``role.revoke`` per role, ``user.deactivate`` or ``user.activate``: each only when
    something of it changed."""
    codes = department_codes_by_id(conn, [before.department_id, after.department_id])
    names = usernames_by_id(conn, [before.manager_id, after.manager_id])

    def profile(user: User) -> dict[str, Any]:
        return {"display_name": user.display_name, "email": user.email,
                "language": user.language, "department": codes.get(user.department_id),
                "manager": names.get(user.manager_id)}

    target = _user_target(after)
    if changes := _changed(profile(before), profile(after)):
        record(conn, actor, "user.update", target, changes)
    for role in sorted(after.roles - before.roles):
        record(conn, actor, "role.grant", target, {"role": role})
    for role in sorted(before.roles - after.roles):
        record(conn, actor, "role.revoke", target, {"role": role})
    if before.active != after.active:
        record(conn, actor, "user.activate" if after.active else "user.deactivate", target)


def _log_department_changes(
    conn: Connection, actor: User, before: Department, after: Department
) -> None:
    """``department.update`` for the name and head, ``department.move`` for the parent."""
    codes = department_codes_by_id(conn, [before.parent_id, after.parent_id])
    names = usernames_by_id(conn, [before.head_id, after.head_id])
    target = _department_target(after)
    changes = _changed({"name": before.name, "head": names.get(before.head_id)},
                       {"name": after.name, "head": names.get(after.head_id)})
    if changes:
        record(conn, actor, "department.update", target, changes)
    if before.parent_id != after.parent_id:
        record(conn, actor, "department.move", target,
               {"parent": [codes.get(before.parent_id), codes.get(after.parent_id)]})
