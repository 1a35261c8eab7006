"""Import and export the organisation: departments (tree, heads, codes) and users
(display name, e-mail, phone, department, manager, roles, active) in one file.

The file's shape is described in :mod:`formflow.io.org_file`.  An import upserts:
a department is matched by its code and a user by their name (regardless of case);
what matches is updated, the rest is created.  It runs in one write transaction and is
all or nothing: every row is checked, every problem is collected keyed
``row <n>.<column>`` (as the record import does), and on any problem, or for a dry run,
everything is rolled back.  Rows may come in any order: departments and users are
written first without their links, then parents, heads and managers are set, so a
manager may be on a later row than the people they manage.  A parent or a manager
forming a cycle is refused on the row that closes it.

New users get no password: they cannot sign in until an admin sets one (or the user
resets it).  Only admins may import or export the organisation; an admin importing
cannot deactivate their own account or take their own admin role away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.auth.admin_log import Target, record
from formflow.auth.departments import (
    create_department,
    get_department_by_code,
    list_departments,
    move,
    rename,
    set_head,
)
from formflow.auth.policy import AccountPolicy
from formflow.auth.tables import departments as department_table
from formflow.auth.tables import users as user_table
from formflow.auth.user_input import has_control_characters
from formflow.auth.users import (
    activate,
    create_user,
    deactivate,
    get_user_by_name,
    get_users,
    list_users,
    set_department,
    set_manager,
    set_profile,
    set_roles,
)
from formflow.errors import Forbidden, ServiceError, ValidationFailed
from formflow.i18n import Message
from formflow.io.exporting import MIMETYPES, BadFormat, Export
from formflow.io.importing import ImportFailed, errors_by_row
from formflow.io.org_file import OrgRow, file_rows, org_rows, parse_active, split_roles
from formflow.io.reading import ReadLimits, read_sheet
from formflow.io.writing import csv_chunks, xlsx_chunks
from formflow.metadata.model import Model

Errors = dict[str, list[Message]]
MAX_PHONE = 32
PHONE_CHARACTERS = frozenset("0123456789+-() .#*,/extEXT")
#: Service argument names -> the file's columns, for the errors the services raise.
COLUMN_OF = {"username": "code", "display_name": "name", "code": "code", "name": "name",
             "parent": "parent", "head": "head", "manager": "manager", "email": "email",
             "department": "department", "roles": "roles", "active": "active"}


@dataclass
class OrgImportResult:
    rows: int
    dry_run: bool
    departments_created: int = 0
    departments_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    #: The user names created without a password (they must be given one to sign in).
    without_password: list[str] = field(default_factory=list)


class _RollBack(Exception):
    """Leaves the write transaction without committing."""


class OrgTransfer:
    def __init__(self, db, model: Model, limits: ReadLimits, max_bytes: int,
                 policy: AccountPolicy,
                 on_deactivate: Callable[[Connection, User | None, int], None] | None = None):
        self.db = db
        self.model = model
        self.limits = limits
        self.max_bytes = max_bytes
        self.policy = policy
        self.on_deactivate = on_deactivate

    def require_admin(self, actor) -> None:
        """Refuse anyone but an admin (Forbidden)."""
        _require_admin(actor)

    def import_file(self, actor, data: bytes, *, dry_run: bool = False) -> OrgImportResult:
        """Import the organisation file ``data`` as ``actor`` (an admin, or the command
        line's :data:`~formflow.auth.admin_log.CLI`).  Raises ImportFailed."""
        _require_admin(actor)
        if len(data) > self.max_bytes:
            raise ServiceError(Message("import_too_large",
                                       {"max": f"{self.max_bytes / 1024 / 1024:g} MB"}))
        errors: Errors = {}
        rows = org_rows(read_sheet(data, self.limits), errors)
        result = OrgImportResult(len(rows), dry_run)
        try:
            with self.db.write() as conn:
                _Writer(self, conn, actor, errors, result).run(rows)
                if errors or dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        if errors:
            raise ImportFailed(errors_by_row(errors))
        return result

    def export(self, actor, file_format: str) -> Export:
        """Every department (tree order) and user (by name) as one file."""
        _require_admin(actor)
        if file_format not in MIMETYPES:
            raise BadFormat(Message("unknown_format", {"formats": ", ".join(MIMETYPES)}))
        with self.db.read() as conn:
            departments, users = _org(conn)
        rows = file_rows(departments, users)
        chunks = (csv_chunks(rows) if file_format == "csv"
                  else xlsx_chunks(rows, "organisation"))
        return Export(f"organisation.{file_format}", MIMETYPES[file_format], chunks)


class _Writer:
    """One import's writes, in the caller's transaction, collecting problems."""

    def __init__(self, service: OrgTransfer, conn: Connection, actor, errors: Errors,
                 result: OrgImportResult):
        self.service = service
        self.conn = conn
        self.actor = actor
        self.errors = errors
        self.result = result

    def run(self, rows: list[OrgRow]) -> None:
        good = [row for row in rows if f"row {row.number}.kind" not in self.errors
                and f"row {row.number}.code" not in self.errors]
        departments = [row for row in good if row.kind == "department"]
        people = [row for row in good if row.kind == "user"]
        ids = {row.number: self._department(row) for row in departments}
        users = {row.number: self._user(row) for row in people}
        # Links last, each detached first, so the order of rows (and of the old tree)
        # does not matter and only a cycle in the file itself is refused.
        self._detach(department_table, "parent_id", departments, ids, "parent")
        self._detach(user_table, "manager_id", people, users, "manager")
        for row in departments:
            if ids[row.number] is not None:
                self._link_department(row, ids[row.number])
        for row in people:
            if users[row.number] is not None and row.has("manager"):
                self._step(row, lambda r=row: set_manager(self.conn, users[r.number],
                                                          r.get("manager")))
        failed = [r for r in good if (ids if r.kind == "department" else users)[r.number] is None]
        self._check_links(failed)
        record(self.conn, self.actor, "org.import", Target("organisation"), {
            "departments_created": self.result.departments_created,
            "departments_updated": self.result.departments_updated,
            "users_created": self.result.users_created,
            "users_updated": self.result.users_updated,
        })

    def _department(self, row: OrgRow) -> int | None:
        found = get_department_by_code(self.conn, row.code)
        if found is None:
            created = self._step(row, lambda: create_department(
                self.conn, row.code, row.get("name") or ""))
            if created is not None:
                self.result.departments_created += 1
                record(self.conn, self.actor, "department.create",
                       Target("department", created.id, created.code),
                       {"code": created.code, "name": created.name})
            return created.id if created is not None else None
        if row.has("name") and row.get("name") != found.name:
            self._step(row, lambda: rename(self.conn, found.id, row.get("name") or ""))
        self.result.departments_updated += 1
        return found.id

    def _user(self, row: OrgRow) -> int | None:
        found = get_user_by_name(self.conn, row.code)
        roles = split_roles(row.get("roles"))
        active = parse_active(row.cells.get("active", ""))
        self._check_phone(row)
        if found is None:
            created = self._step(row, lambda: create_user(
                self.conn, row.code, None, display_name=row.get("name"),
                email=row.get("email"), roles=roles, department=row.get("department"),
                known_roles=self.service.model.roles, actor=self.actor,
                policy=self.service.policy))
            if created is None:
                return None
            self._set_phone(created.id, row)
            if active is False:
                deactivate(self.conn, created.id)
            self.result.users_created += 1
            self.result.without_password.append(created.username)
            return created.id
        self._guard_self(row, found, roles, active)
        conn = self.conn
        self._step(row, lambda: set_profile(
            conn, found.id,
            display_name=row.get("name") if row.has("name") else found.display_name,
            email=row.get("email") if row.has("email") else found.email,
            language=found.language))
        if row.has("department"):
            self._step(row, lambda: set_department(conn, found.id, row.get("department")))
        if row.has("roles"):
            self._step(row, lambda: set_roles(conn, found.id, roles,
                                              known_roles=self.service.model.roles))
        self._set_phone(found.id, row)
        if row.has("active") and active is not None and active != found.active:
            if active:
                activate(conn, found.id)
            else:
                deactivate(conn, found.id)
                if self.service.on_deactivate is not None:
                    self.service.on_deactivate(
                        conn, self.actor if isinstance(self.actor, User) else None, found.id)
        self.result.users_updated += 1
        return found.id

    def _link_department(self, row: OrgRow, department_id: int) -> None:
        if row.has("parent"):
            self._step(row, lambda: move(self.conn, department_id, row.get("parent")))
        if row.has("head"):
            self._step(row, lambda: set_head(self.conn, department_id, row.get("head")))

    def _check_links(self, rows: list[OrgRow]) -> None:
        """Report the unknown parents, heads and managers of rows that could not be
        written, as if they had been."""
        for row in rows:
            for column in ("parent", "head", "manager"):
                value = row.get(column)
                if not value:
                    continue
                if column == "parent":
                    missing = get_department_by_code(self.conn, value) is None
                    problem = Message("no_such_department", {"value": value})
                else:
                    missing = get_user_by_name(self.conn, value) is None
                    problem = Message("no_such_user", {"value": value})
                if missing:
                    self._error(row, column, problem)

    def _detach(self, table: sa.Table, column: str, rows: list[OrgRow],
                ids: dict[int, int | None], name: str) -> None:
        wanted = [ids[r.number] for r in rows if r.has(name) and ids[r.number] is not None]
        for start in range(0, len(wanted), 500):
            self.conn.execute(table.update().where(table.c.id.in_(wanted[start:start + 500]))
                              .values({column: None}))

    def _guard_self(self, row: OrgRow, found: User, roles: list[str],
                    active: bool | None) -> None:
        """An admin may not lock themselves out through the file."""
        if not isinstance(self.actor, User) or found.id != self.actor.id:
            return
        if row.has("active") and active is False:
            self._error(row, "active", Message("own_account_inactive"))
        if row.has("roles") and "admin" not in roles:
            self._error(row, "roles", Message("own_admin_role"))

    def _check_phone(self, row: OrgRow) -> None:
        phone = row.get("phone") or ""
        if phone and (len(phone) > MAX_PHONE or has_control_characters(phone)
                      or not set(phone) <= PHONE_CHARACTERS
                      or not any(c.isdigit() for c in phone)):
            self._error(row, "phone", Message("invalid_phone"))

    def _set_phone(self, user_id: int, row: OrgRow) -> None:
        if row.has("phone") and f"row {row.number}.phone" not in self.errors:
            self.conn.execute(user_table.update().where(user_table.c.id == user_id)
                              .values(phone=row.get("phone")))

    def _step(self, row: OrgRow, change: Callable[[], object]):
        """Run one change, its validation errors added under the row's columns."""
        try:
            return change()
        except ValidationFailed as failed:
            for name, messages in failed.errors.items():
                column = COLUMN_OF.get(name, name)
                for message in messages:
                    self._error(row, column, message)
        except ServiceError as problem:
            self.errors.setdefault(f"row {row.number}", []).append(problem.message)
        return None

    def _error(self, row: OrgRow, column: str, message: Message) -> None:
        messages = self.errors.setdefault(f"row {row.number}.{column}", [])
        if message not in messages:
            messages.append(message)


def _require_admin(actor) -> None:
    if isinstance(actor, User) and not actor.is_admin:
        raise Forbidden(Message("forbidden"))


def _org(conn: Connection) -> tuple[list[dict], list[dict]]:
    """Departments in tree order and users by name, as rows of the file."""
    departments = list_departments(conn)
    users = list_users(conn)
    everyone = get_users(conn, [d.head_id for d in departments])
    names = {u.id: u.username for u in [*users, *everyone.values()]}
    codes = {d.id: d.code for d in departments}
    phones = dict(conn.execute(sa.select(user_table.c.id, user_table.c.phone)).all())
    children: dict[int | None, list] = {}
    for department in departments:
        parent = department.parent_id if department.parent_id in codes else None
        children.setdefault(parent, []).append(department)
    ordered: list[dict] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        department = pending.pop()
        ordered.append({"code": department.code, "name": department.name,
                        "parent": codes.get(department.parent_id),
                        "head": names.get(department.head_id)})
        pending.extend(reversed(children.get(department.id, [])))
    people = [{"code": u.username, "name": u.display_name, "manager": names.get(u.manager_id),
               "department": codes.get(u.department_id),
               "roles": sorted(u.roles - {"user"}), "email": u.email,
               "phone": phones.get(u.id), "active": u.active} for u in users]
    return ordered, people
