"""Helpers shared by the security tests (``test_security_*.py``).

- ``SECURITY``: the scenario app in ``tests/metadata/security``: ``sec.doc`` has one role
  per shape of grant (scoped read/update/delete of every width, create-only, export,
  everything refused, widths that differ between operations), a process whose review
  task goes to the user named in ``approver``, and fields with read and write roles;
  ``sec.party`` is granted through the built-in role ``user``; ``sec.vault`` grants
  nothing (admins only).
- ``expected_grant``: the oracle: what the metadata file itself says a set of roles may
  do, computed from the JSON without the code under test.
- ``World``: departments HQ (with SALES below it) and OTHER; one signed-in actor in HQ
  per role, plus the people whose records the actors try to reach.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import pytest

from formflow.auth import create_department, create_token, create_user
from support import PASSWORD
from support.api_client import ApiClient
from support.helpers import CHEAP_HASHING
from support.web_support import sign_in

SECURITY = Path(__file__).resolve().parents[1] / "metadata" / "security"
APP = SECURITY / "sec"
SCOPES = (None, "own", "department", "all")
SCOPED = ("read", "update", "delete")
FLAGS = ("create", "export", "import")

#: Who created a target record, seen from an actor in HQ: the actor; a clerk in SALES
#: (below HQ); a clerk in OTHER; and a record of that stranger on which the actor holds
#: the review task.
TARGETS = ("self", "colleague", "stranger", "assigned")
#: Which targets each read scope reaches.
REACH = {
    None: set(),
    "own": {"self", "assigned"},
    "department": {"self", "assigned", "colleague"},
    "all": set(TARGETS),
}


def entity_documents() -> dict[str, dict]:
    """The entity documents of the app, by qualified name."""
    return {
        f"sec.{path.stem}": json.loads(path.read_text("utf-8"))
        for path in sorted((APP / "entities").glob("*.json"))
    }


def app_roles() -> list[str]:
    return [role["name"] for role in json.loads((APP / "app.json").read_text("utf-8"))["roles"]]


def expected_grant(document: dict, roles: frozenset[str]) -> dict:
    """``{"read": scope, ..., "create": bool, ...}`` straight from the metadata."""
    if "admin" in roles:
        return {**{op: "all" for op in SCOPED}, **{flag: True for flag in FLAGS}}
    grant = {**{op: None for op in SCOPED}, **{flag: False for flag in FLAGS}}
    for entry in document.get("permissions", []):
        if entry["role"] not in roles:
            continue
        for op in SCOPED:
            scope = entry.get(op) or None
            if SCOPES.index(scope) > SCOPES.index(grant[op]):
                grant[op] = scope
        for flag in FLAGS:
            grant[flag] = grant[flag] or bool(entry.get(flag))
    return grant


def actor_roles() -> dict[str, tuple[str, ...]]:
    """One actor per role of the app, one with only the built-in ``user`` role, an
    admin, and one holding two roles whose grants add up."""
    actors = {role: (role,) for role in app_roles()}
    actors.update(plain=(), boss=("admin",), clerk_reader=("clerk", "reader"))
    return actors


NUMBERS = itertools.count(1)


class World:
    """The people of the scenario, each with an API client and a signed-in page client."""

    def __init__(self, app):
        self.app = app
        self.runtime = app.extensions["formflow"]
        self.users: dict[str, object] = {}
        self.api: dict[str, ApiClient] = {}
        self._pages: dict[str, object] = {}

    def add(self, name: str, roles=(), department: str = "HQ", **extra):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("formflow.auth.passwords.METHOD", CHEAP_HASHING)
            with self.runtime.db.write() as conn:
                user = create_user(conn, name, PASSWORD, roles=roles, department=department,
                                   known_roles=self.runtime.model.roles, **extra)
                _, token = create_token(conn, user.id, "test")
        self.users[name] = user
        self.api[name] = ApiClient(self.app.test_client(), token)
        return user

    def page(self, name: str):
        """A test client signed in as ``name`` through the sign-in form."""
        if name not in self._pages:
            client = self.app.test_client()
            sign_in(client, name)
            self._pages[name] = client
        return self._pages[name]

    def superuser(self, name: str):
        """``name`` with admin rights, to set records up whatever their own grant."""
        return dataclasses.replace(self.users[name], roles=frozenset({"user", "admin"}))

    def record(self, entity: str, creator: str, **values) -> dict:
        """A record of ``entity`` created by ``creator``, with a unique title/name."""
        key = "title" if entity == "sec.doc" else "name"
        values.setdefault(key, f"{entity} of {creator} #{next(NUMBERS)}")
        return self.runtime.records.create(self.superuser(creator), entity, values)

    def target(self, entity: str, actor: str, target: str) -> dict:
        """A fresh record of ``entity`` as ``target`` (see TARGETS) is to ``actor``."""
        creator = {"self": actor, "colleague": "colleague"}.get(target, "stranger")
        if target != "assigned":
            return self.record(entity, creator)
        if entity != "sec.doc":
            return None
        record = self.record(entity, creator, approver=actor)
        self.runtime.process.act(self.superuser(creator), entity, record["id"], "submit", {})
        return self.runtime.records.get(self.superuser(creator), entity, record["id"])


def build_world(app) -> World:
    world = World(app)
    with world.runtime.db.write() as conn:
        create_department(conn, "HQ", "Head office")
        create_department(conn, "SALES", "Sales", parent="HQ")
        create_department(conn, "OTHER", "Other")
    for name, roles in actor_roles().items():
        world.add(name, roles)
    world.add("colleague", ["clerk"], "SALES")
    world.add("stranger", ["clerk"], "OTHER")
    return world


def case_id(values) -> str:
    return "-".join(str(v) for v in values)

