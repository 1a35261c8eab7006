"""Entity grants and field access for sets of roles (pure: no database)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formflow.auth.permissions import (
    FULL_GRANT,
    NO_GRANT,
    OPERATIONS,
    SCOPES,
    EntityGrant,
    can_read_field,
    can_write_field,
    grant_for,
    scope_rank,
    widest,
)
from formflow.metadata.model import Entity, Field, Label, Permission


def entity(*permissions: Permission) -> Entity:
    return Entity(
        app="hr",
        name="leave_request",
        label=Label.of("Leave request"),
        fields=(Field("reason", "text", Label.of("Reason")),),
        permissions=permissions,
    )


LEAVE = entity(
    Permission("user", create=True, read="own", update="own"),
    Permission("hr_manager", read="all", update="all", delete="all", export=True, import_=True),
    Permission("sales", read="department", update="own", delete="own"),
    Permission("auditor", read="all", export=True),
    Permission("guest", read=None, update=False),  # the metadata's "false"
)

# role set -> expected (create, read, update, delete, export, import_)
MATRIX = {
    (): (False, None, None, None, False, False),
    ("stranger",): (False, None, None, None, False, False),
    ("guest",): (False, None, None, None, False, False),
    ("user",): (True, "own", "own", None, False, False),
    ("user", "sales"): (True, "department", "own", "own", False, False),
    ("sales", "auditor"): (False, "all", "own", "own", True, False),
    ("user", "hr_manager"): (True, "all", "all", "all", True, True),
    ("user", "sales", "auditor", "guest"): (True, "all", "own", "own", True, False),
    ("admin",): (True, "all", "all", "all", True, True),
    ("admin", "guest"): (True, "all", "all", "all", True, True),
}


@pytest.mark.parametrize(
    ("roles", "operation"), list(itertools.product(MATRIX, OPERATIONS)), ids=str
)
def test_grant_matrix(roles, operation):
    expected = dict(zip(OPERATIONS, MATRIX[roles], strict=True))[operation]
    grant = grant_for(LEAVE, frozenset(roles))
    assert getattr(grant, operation) == expected
    assert grant.allows(operation) is bool(expected)
    assert grant.scope(operation) == (
        ("all" if expected else None) if isinstance(expected, bool) else expected
    )


@pytest.mark.parametrize("roles", [("admin",), ("admin", "user")])
def test_admin_may_do_everything_even_without_entries(roles):
    assert grant_for(entity(), roles) == FULL_GRANT
    assert FULL_GRANT.allows_anything


def test_no_entries_means_no_access():
    grant = grant_for(entity(), {"user", "sales"})
    assert grant == NO_GRANT
    assert not grant.allows_anything


def test_entries_for_the_same_role_add_up():
    doubled = entity(
        Permission("user", read="own"), Permission("user", read="department", export=True)
    )
    assert grant_for(doubled, {"user"}) == EntityGrant(read="department", export=True)


def test_only_the_roles_given_count():
    assert grant_for(LEAVE, {"sales"}).create is False  # "user" is not implied


@pytest.mark.parametrize(("a", "b"), list(itertools.product(SCOPES, SCOPES)))
def test_widest_takes_the_wider_scope(a, b):
    assert widest(a, b) == SCOPES[max(SCOPES.index(a), SCOPES.index(b))]
    assert widest(a, b) == widest(b, a)


def test_scopes_are_ordered():
    assert [scope_rank(s) for s in (None, "own", "department", "all")] == [0, 1, 2, 3]
    assert widest(False, None) is None
    assert widest(False, "own") == "own"


@pytest.mark.parametrize("bad", ["everything", "ALL", "", 1.5, ["all"]])
def test_unknown_scopes_are_errors(bad):
    with pytest.raises(ValueError):
        widest(bad, None)
    with pytest.raises(ValueError):
        grant_for(entity(Permission("user", read=bad)), {"user"})


@pytest.mark.parametrize("operation", ["publish", "import", ""])
def test_unknown_operations_are_errors(operation):
    with pytest.raises(ValueError):
        NO_GRANT.allows(operation)
    with pytest.raises(ValueError):
        NO_GRANT.scope(operation)


scopes = st.sampled_from(SCOPES)
roles = st.sampled_from(["user", "sales", "hr", "auditor"])
permissions = st.builds(
    Permission,
    role=roles,
    create=st.booleans(),
    read=scopes,
    update=scopes,
    delete=scopes,
    export=st.booleans(),
    import_=st.booleans(),
)


@given(st.lists(permissions, max_size=6), st.sets(roles))
def test_grant_is_the_widest_of_the_held_roles_in_any_order(entries, held):
    grant = grant_for(entity(*entries), held)
    assert grant == grant_for(entity(*reversed(entries)), held)
    mine = [e for e in entries if e.role in held]
    for op in ("read", "update", "delete"):
        assert scope_rank(getattr(grant, op)) == max(
            (scope_rank(getattr(e, op)) for e in mine), default=0
        )
    for op in ("create", "export", "import_"):
        assert getattr(grant, op) == any(getattr(e, op) for e in mine)


def field(read_roles=None, write_roles=None) -> Field:
    return Field(
        "salary", "money", Label.of("Salary"), read_roles=read_roles, write_roles=write_roles
    )


# (read_roles, write_roles, roles) -> (can read, can write)
FIELD_CASES = [
    (None, None, {"user"}, (True, True)),
    (None, None, set(), (True, True)),
    (("hr",), None, {"user"}, (False, False)),
    (("hr",), None, {"user", "hr"}, (True, True)),
    (None, ("hr",), {"user"}, (True, False)),
    (None, ("hr",), {"user", "hr"}, (True, True)),
    (("hr", "boss"), ("boss",), {"user", "hr"}, (True, False)),
    (("hr", "boss"), ("boss",), {"boss"}, (True, True)),
    (("hr",), ("boss",), {"boss"}, (False, False)),  # cannot write what one cannot see
    ((), (), {"user"}, (False, False)),
    (("hr",), ("hr",), {"admin"}, (True, True)),
    ((), (), {"admin"}, (True, True)),
]


@pytest.mark.parametrize(("read_roles", "write_roles", "held", "expected"), FIELD_CASES)
def test_field_access(read_roles, write_roles, held, expected):
    f = field(read_roles, write_roles)
    assert (can_read_field(f, held), can_write_field(f, held)) == expected
