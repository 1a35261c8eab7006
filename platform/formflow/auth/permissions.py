"""What a set of roles may do with an entity and its fields (pure; no database).

A grant's ``read``, ``update`` and ``delete`` are scopes, ordered
``None`` < ``"own"`` < ``"department"`` < ``"all"``; ``create``, ``export`` and
``import_`` are flags.  A user's grant on an entity is the union of the entity's
``permissions`` entries for the roles they hold, each operation taking the widest
scope any of them gives.  The ``admin`` role may do everything.

Which records a scope covers (the user's own, their department's) is decided by the
record services, which know the database; this module only says how far a grant goes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Literal

from formflow.metadata.model import Entity, Field

Scope = Literal["own", "department", "all"] | None

#: Scopes from narrowest to widest.
SCOPES: tuple[Scope, ...] = (None, "own", "department", "all")
_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}
_RANK[False] = 0  # the metadata's ``false`` for "no access"

ADMIN_ROLE = "admin"
#: Operations whose grant is a scope, and those whose grant is a flag.
SCOPED_OPERATIONS = ("read", "update", "delete")
FLAG_OPERATIONS = ("create", "export", "import_")
OPERATIONS = ("create", "read", "update", "delete", "export", "import_")


def scope_rank(scope: object) -> int:
    """The position of ``scope`` in :data:`SCOPES`; an unknown scope is a ``ValueError``
    (metadata validation should have refused it)."""
    try:
        return _RANK[scope]
    except (KeyError, TypeError):
        raise ValueError(f"unknown permission scope {scope!r}") from None


def widest(a: Scope, b: Scope) -> Scope:
    """The wider of two scopes."""
    wider = a if scope_rank(a) >= scope_rank(b) else b
    return wider or None


@dataclass(frozen=True)
class EntityGrant:
    create: bool = False
    read: Scope = None
    update: Scope = None
    delete: Scope = None
    export: bool = False
    import_: bool = False

    def __or__(self, other: EntityGrant) -> EntityGrant:
        return EntityGrant(
            create=self.create or other.create,
            read=widest(self.read, other.read),
            update=widest(self.update, other.update),
            delete=widest(self.delete, other.delete),
            export=self.export or other.export,
            import_=self.import_ or other.import_,
        )

    def allows(self, operation: str) -> bool:
        """Whether the grant allows ``operation`` (one of :data:`OPERATIONS`) at all."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        return bool(getattr(self, operation))

    def scope(self, operation: str) -> Scope:
        """How far ``operation`` reaches: a scope, with a flag's ``True`` as ``"all"``."""
        if operation in FLAG_OPERATIONS:
            return "all" if getattr(self, operation) else None
        if operation in SCOPED_OPERATIONS:
            return getattr(self, operation)
        raise ValueError(f"unknown operation {operation!r}")

    @property
    def allows_anything(self) -> bool:
        """Whether the grant allows anything."""
        return any(getattr(self, f.name) for f in fields(self))


NO_GRANT = EntityGrant()
FULL_GRANT = EntityGrant(True, "all", "all", "all", True, True)


def grant_for(entity: Entity, roles: Collection[str]) -> EntityGrant:
    """What holders of ``roles`` may do with ``entity``'s records.

    Only the roles given count: pass a user's full role set (which holds ``"user"``).
    """
    if ADMIN_ROLE in roles:
        return FULL_GRANT
    grant = NO_GRANT
    for entry in entity.permissions:
        if entry.role in roles:
            grant = grant | EntityGrant(
                create=bool(entry.create),
                read=widest(entry.read, None),
                update=widest(entry.update, None),
                delete=widest(entry.delete, None),
                export=bool(entry.export),
                import_=bool(entry.import_),
            )
    return grant


def can_read_field(field: Field, roles: Collection[str]) -> bool:
    """Whether holders of ``roles`` may see ``field`` on a record they may read.

    A field without ``read_roles`` is visible to everyone who may read the record.
    """
    if ADMIN_ROLE in roles or field.read_roles is None:
        return True
    return any(role in roles for role in field.read_roles)


def can_write_field(field: Field, roles: Collection[str]) -> bool:
    """Whether holders of ``roles`` may change ``field`` on a record they may change.

    A field without ``write_roles`` is writable by everyone who may change the record
    and see the field; a field one may not see cannot be written either.
    """
    if ADMIN_ROLE in roles:
        return True
    if not can_read_field(field, roles):
        return False
    return field.write_roles is None or any(role in roles for role in field.write_roles)
