"""Users: accounts, roles, managers and bulk name lookups (signing in and sessions:
:mod:`formflow.auth.sessions`).

Every function takes a SQLAlchemy ``Connection`` first and runs inside the caller's
transaction (``Database.write()`` for changes).  Invalid input raises
:class:`~formflow.errors.ValidationFailed` keyed by the argument's name (``username``,
``password``, ``roles``, ``department``, ``manager``, ...), so a form can show each
message beside its input.

The built-in role ``user`` belongs to every user and is not stored; ``admin`` is stored
like any app role.  User names are unique and looked up regardless of case.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth.admin_log import Target, record
from formflow.auth.credentials_revision import credentials_changed
from formflow.auth.passwords import hash_password, password_problems
from formflow.auth.policy import DEFAULT_POLICY, AccountPolicy
from formflow.auth.tables import departments, tokens, user_roles, users
from formflow.auth.user_input import (
    check_language,
    clean_display_name,
    clean_email,
)
from formflow.errors import NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
BUILTIN_ROLES = frozenset({"admin", "designer", "user"})
# Bulk lookups send at most this many values per statement (SQLite allows 32766).
_CHUNK = 5000


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str | None
    #: Always holds ``"user"``.
    roles: frozenset[str]
    department_id: int | None
    manager_id: int | None
    language: str | None
    active: bool

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


#: The user automatic work runs as: SLA ``on_breach`` actions, plugins changing records
#: on their own (no id: events show no actor).
SYSTEM = User(
    id=None, username="@system", display_name="System", email=None,
    roles=frozenset({"admin", "user"}), department_id=None, manager_id=None, language=None,
    active=True,
)

def is_valid_username(name: object) -> bool:
    """Letters, digits, ``.``, ``_`` and ``-`` (ASCII only), 1-64 long, not ``.``/``..``."""
    return (
        isinstance(name, str)
        and USERNAME_PATTERN.fullmatch(name) is not None
        and name not in (".", "..")
    )


# -- reading ----------------------------------------------------------------------------

USER_COLUMNS = (
    users.c.id, users.c.username, users.c.display_name, users.c.email,
    users.c.department_id, users.c.manager_id, users.c.language, users.c.active,
)


def _load(conn: Connection, where: sa.ColumnElement[bool]) -> list[User]:
    """Users matching ``where`` with their roles, in one query."""
    rows = conn.execute(
        sa.select(*USER_COLUMNS, user_roles.c.role)
        .select_from(users.outerjoin(user_roles, user_roles.c.user_id == users.c.id))
        .where(where)
        .order_by(users.c.id)
    ).all()
    return users_from_rows(rows)


def users_from_rows(rows: Iterable[sa.Row]) -> list[User]:
    """Users from rows holding the user columns and a ``role`` column (one row per role,
    ``None`` for a user without roles), in the order they first appear."""
    found: dict[int, tuple[sa.Row, set[str]]] = {}
    for row in rows:
        _, roles = found.setdefault(row.id, (row, {"user"}))
        if row.role is not None:
            roles.add(row.role)
    return [
        User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            roles=frozenset(roles),
            department_id=row.department_id,
            manager_id=row.manager_id,
            language=row.language,
            active=bool(row.active),
        )
        for row, roles in found.values()
    ]


def name_matches(name: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(users.c.username) == name.lower()


def get_user(conn: Connection, user_id: int) -> User | None:
    found = _load(conn, users.c.id == user_id)
    return found[0] if found else None


def get_user_by_name(conn: Connection, username: str) -> User | None:
    if not is_valid_username(username):
        return None
    found = _load(conn, name_matches(username))
    return found[0] if found else None


def get_users(conn: Connection, user_ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids (missing ones left out), in one query."""
    ids = sorted({i for i in user_ids if i is not None})
    result: dict[int, User] = {}
    for chunk in _chunks(ids):
        result.update((u.id, u) for u in _load(conn, users.c.id.in_(chunk)))
    return result


def list_users(conn: Connection, *, include_inactive: bool = True) -> list[User]:
    """Every user, by user name."""
    where = sa.true() if include_inactive else users.c.active.is_(True)
    return sorted(_load(conn, where), key=lambda u: u.username.lower())


def search_users(
    conn: Connection, text: str = "", *, limit: int = 50, offset: int = 0
) -> tuple[list[User], int]:
    """Users whose name, display name or e-mail contains ``text`` (any case), by user
    name: one page of ``limit`` from ``offset``, and how many match in all."""
    where: sa.ColumnElement[bool] = sa.true()
    if text.strip():
        wanted = text.strip().lower()
        where = sa.or_(*(
            sa.func.lower(column).contains(wanted, autoescape=True)
            for column in (users.c.username, users.c.display_name, users.c.email)
        ))
    total = conn.scalar(sa.select(sa.func.count()).select_from(users).where(where))
    ids = conn.scalars(
        sa.select(users.c.id).where(where).order_by(sa.func.lower(users.c.username))
        .limit(limit).offset(offset)
    ).all()
    found = get_users(conn, ids)
    return [found[i] for i in ids if i in found], total


def usernames_by_id(conn: Connection, user_ids: Iterable[int | None]) -> dict[int, str]:
    """User names for these ids (unknown ids left out), in one query."""
    ids = sorted({i for i in user_ids if i is not None})
    result: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(sa.select(users.c.id, users.c.username).where(users.c.id.in_(chunk)))
        result.update((row.id, row.username) for row in rows)
    return result


def user_ids_by_name(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """User ids keyed by the names as given (matched regardless of case; unknown and
    malformed names left out), in one query."""
    wanted: dict[str, list[str]] = {}
    for name in names:
        if is_valid_username(name):
            wanted.setdefault(name.lower(), []).append(name)
    result: dict[str, int] = {}
    keys = sorted(wanted)
    for chunk in _chunks(keys):
        lowered = sa.func.lower(users.c.username)
        rows = conn.execute(sa.select(users.c.id, lowered.label("key")).where(lowered.in_(chunk)))
        for row in rows:
            for name in wanted.get(row.key, ()):
                result[name] = row.id
    return result


def user_ids_with_role(conn: Connection, role: str, *, active_only: bool = True) -> set[int]:
    """Ids of the users holding ``role`` (``"user"``: everybody)."""
    query = sa.select(users.c.id)
    if role != "user":
        query = query.join(user_roles, user_roles.c.user_id == users.c.id).where(
            user_roles.c.role == role
        )
    if active_only:
        query = query.where(users.c.active.is_(True))
    return set(conn.scalars(query))


def user_ids_in_departments(
    conn: Connection, department_ids: Iterable[int], *, active_only: bool = False
) -> set[int]:
    """Ids of the users belonging to any of these departments."""
    ids = sorted(set(department_ids))
    result: set[int] = set()
    for chunk in _chunks(ids):
        query = sa.select(users.c.id).where(users.c.department_id.in_(chunk))
        if active_only:
            query = query.where(users.c.active.is_(True))
        result.update(conn.scalars(query))
    return result


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# -- changing ---------------------------------------------------------------------------


def create_user(
    conn: Connection,
    username: str,
    password: str | None,
    *,
    display_name: str | None = None,
    email: str | None = None,
    roles: Iterable[str] = (),
    department: str | None = None,
    manager: str | None = None,
    language: str | None = None,
    known_roles: Collection[str] | None = None,
    actor: object = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> User:
    """Create an active user.

    ``department`` is a department code and ``manager`` a user name.  With
    ``known_roles`` (for example ``Model.roles``) every role must be one of them.  A
    ``None`` password makes an account that cannot sign in with a password.  Every
    problem is reported at once in one :class:`~formflow.errors.ValidationFailed`.
    With an ``actor`` (a user, or :data:`~formflow.auth.admin_log.CLI`) the creation is
    written to the admin log.
    """
    errors: dict[str, list[Message]] = {}
    if not is_valid_username(username):
        errors["username"] = [Message("invalid_username")]
    elif _user_id(conn, username) is not None:
        errors["username"] = [Message("user_exists", {"name": username})]
    if password is not None and (problems := password_problems(password, username, policy)):
        errors["password"] = problems
    display_name = clean_display_name(display_name, username, errors)
    email = clean_email(email, errors)
    check_language(language, errors)
    stored_roles = _clean_roles(roles, known_roles, errors)
    department_id = _department_id(conn, department, errors)
    manager_id = _manager_id(conn, manager, errors)
    if errors:
        raise ValidationFailed(errors)

    try:
        # A savepoint, so a name taken meanwhile by a concurrent transaction becomes a
        # validation error without spoiling the caller's transaction.
        with conn.begin_nested():
            user_id = conn.execute(
                users.insert().values(
                    username=username,
                    display_name=display_name,
                    email=email,
                    password_hash=hash_password(password) if password is not None else None,
                    department_id=department_id,
                    manager_id=manager_id,
                    language=language,
                    active=True,
                    created_at=utcnow(),
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise ValidationFailed({"username": [Message("user_exists", {"name": username})]}) from None
    if stored_roles:
        conn.execute(user_roles.insert(), [{"user_id": user_id, "role": r} for r in stored_roles])
    if actor is not None:
        record(conn, actor, "user.create", Target("user", user_id, username), {
            "username": username, "display_name": display_name, "email": email,
            "language": language, "department": department, "manager": manager,
            "roles": sorted(stored_roles),
        })
    return User(
        id=user_id,
        username=username,
        display_name=display_name,
        email=email,
        roles=frozenset(stored_roles | {"user"}),
        department_id=department_id,
        manager_id=manager_id,
        language=language,
        active=True,
    )


def set_password(
    conn: Connection, user_id: int, password: str | None, *, actor: object = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> None:
    """Replace the user's password (``None``: no password sign-in any more), which ends
    the user's sessions; with the policy's ``password_change_revokes_tokens`` it also
    revokes their API tokens.  With an ``actor``, write ``user.password`` to the admin
    log (never the password)."""
    username = conn.scalar(sa.select(users.c.username).where(users.c.id == user_id))
    if username is None:
        raise NotFound(Message("not_found"))
    if password is not None and (problems := password_problems(password, username, policy)):
        raise ValidationFailed({"password": problems})
    new_hash = hash_password(password) if password is not None else None
    _update(conn, user_id, password_hash=new_hash)
    revoked = _revoke_tokens(conn, user_id) if policy.password_change_revokes_tokens else 0
    if actor is not None:
        record(conn, actor, "user.password", Target("user", user_id, username),
               {"sign_in_with_password": password is not None, "tokens_revoked": revoked})


def set_roles(
    conn: Connection,
    user_id: int,
    roles: Iterable[str],
    *,
    known_roles: Collection[str] | None = None,
) -> None:
    """Replace the user's roles (``user`` stays implied)."""
    errors: dict[str, list[Message]] = {}
    stored = _clean_roles(roles, known_roles, errors)
    if errors:
        raise ValidationFailed(errors)
    _require(conn, user_id)
    conn.execute(user_roles.delete().where(user_roles.c.user_id == user_id))
    if stored:
        conn.execute(user_roles.insert(), [{"user_id": user_id, "role": r} for r in stored])
    credentials_changed(conn)


def set_manager(conn: Connection, user_id: int, manager: str | None) -> None:
    """Make the user named ``manager`` this user's manager (``None``: no manager).

    Refused when the user would end up managing themselves, directly or through others.
    """
    errors: dict[str, list[Message]] = {}
    manager_id = _manager_id(conn, manager, errors)
    if errors:
        raise ValidationFailed(errors)
    _require(conn, user_id)
    if manager_id is not None and user_id in _manager_chain(conn, manager_id):
        raise ValidationFailed({"manager": [Message("manager_cycle")]})
    _update(conn, user_id, manager_id=manager_id)


def set_department(conn: Connection, user_id: int, department: str | None) -> None:
    """Move the user to the department with this code (``None``: no department)."""
    errors: dict[str, list[Message]] = {}
    department_id = _department_id(conn, department, errors)
    if errors:
        raise ValidationFailed(errors)
    _update(conn, user_id, department_id=department_id)


def set_profile(
    conn: Connection,
    user_id: int,
    *,
    display_name: str | None,
    email: str | None,
    language: str | None,
) -> None:
    """Replace the user's display name (empty: their user name), e-mail and language
    (``None``: from the browser)."""
    username = conn.scalar(sa.select(users.c.username).where(users.c.id == user_id))
    if username is None:
        raise NotFound(Message("not_found"))
    errors: dict[str, list[Message]] = {}
    display_name = clean_display_name(display_name, username, errors)
    email = clean_email(email, errors)
    check_language(language, errors)
    if errors:
        raise ValidationFailed(errors)
    _update(conn, user_id, display_name=display_name, email=email, language=language)


def deactivate(conn: Connection, user_id: int) -> None:
    """Stop the user from signing in or using tokens; their records and history stay.

    Their sessions end and their API tokens are revoked, so activating the account
    again brings neither back: the user signs in anew and makes new tokens."""
    _update(conn, user_id, active=False, session_epoch=users.c.session_epoch + 1)
    _revoke_tokens(conn, user_id)


def activate(conn: Connection, user_id: int) -> None:
    _update(conn, user_id, active=True)


# -- helpers ----------------------------------------------------------------------------


def _update(conn: Connection, user_id: int, **values: object) -> None:
    result = conn.execute(users.update().where(users.c.id == user_id).values(**values))
    if result.rowcount == 0:
        raise NotFound(Message("not_found"))
    credentials_changed(conn)


def _revoke_tokens(conn: Connection, user_id: int) -> int:
    """Revoke every API token of the user (its callers :func:`_update` it too)."""
    return conn.execute(
        tokens.update()
        .where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def _require(conn: Connection, user_id: int) -> None:
    if conn.scalar(sa.select(users.c.id).where(users.c.id == user_id)) is None:
        raise NotFound(Message("not_found"))


def _user_id(conn: Connection, username: str) -> int | None:
    return conn.scalar(sa.select(users.c.id).where(name_matches(username)))


def _manager_chain(conn: Connection, user_id: int) -> set[int]:
    """``user_id`` and everyone above them (a recursive query; ends on bad data too)."""
    chain = (
        sa.select(users.c.id, users.c.manager_id)
        .where(users.c.id == user_id)
        .cte("manager_chain", recursive=True)
    )
    chain = chain.union(
        sa.select(users.c.id, users.c.manager_id).join(chain, users.c.id == chain.c.manager_id)
    )
    return set(conn.scalars(sa.select(chain.c.id)))


def _clean_roles(
    roles: Iterable[str], known_roles: Collection[str] | None, errors: dict[str, list[Message]]
) -> frozenset[str]:
    if isinstance(roles, str):
        roles = (roles,)
    known = None if known_roles is None else BUILTIN_ROLES | set(known_roles)
    stored: set[str] = set()
    problems: list[Message] = []
    for role in roles:
        valid = isinstance(role, str) and ROLE_PATTERN.fullmatch(role) is not None
        if not valid or (known is not None and role not in known):
            problems.append(Message("unknown_role", {"name": role}))
        elif role != "user":
            stored.add(role)
    if problems:
        errors["roles"] = problems
    return frozenset(stored)


def _department_id(
    conn: Connection, code: str | None, errors: dict[str, list[Message]]
) -> int | None:
    if code is None:
        return None
    department_id = None
    if isinstance(code, str):
        department_id = conn.scalar(sa.select(departments.c.id).where(departments.c.code == code))
    if department_id is None:
        errors["department"] = [Message("no_such_department", {"value": code})]
    return department_id


def _manager_id(
    conn: Connection, username: str | None, errors: dict[str, list[Message]]
) -> int | None:
    if username is None:
        return None
    manager_id = _user_id(conn, username) if is_valid_username(username) else None
    if manager_id is None:
        errors["manager"] = [Message("no_such_user", {"value": username})]
    return manager_id
