"""The designer on shipped apps: every change is kept as an overlay operation with the
shipped value it was made against, published like a site app's draft, and listed
with its status against the shipped files as they are now."""

from __future__ import annotations

import re
from typing import Any

from formflow.auth.admin_log import Target, record
from formflow.design import overlay_store as store
from formflow.design.operations import OperationError, OperationFailed, apply_ops
from formflow.design.overlay_apply import Outcome, apply_overlay, value_at
from formflow.design.overlay_fork import fork_ops
from formflow.design.overlay_options import split_options
from formflow.design.overlay_rules import NotAllowed, admit
from formflow.design.paths import PathError
from formflow.design.publishing import Publisher
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message

#: What an admin may do to the operations of a draft overlay.
ACTIONS = ("accept", "reapply", "drop", "reset")


class OverlayPublisher(Publisher):
    """Publishes a shipped app's draft overlay: the runtime loads it, the tables migrate."""

    def __init__(self, runtime, head: store.Head, items: list[dict], documents, model,
                 problems):
        super().__init__(runtime, head, documents, model, problems)
        self.items = [store.plain(item) for item in items]

    def fresh_runtime(self):
        return self.runtime.with_overlays({**store.published_overlays(self.runtime.db),
                                           self.row.app: self.items})

    def record(self, conn, author: str, note: str) -> int:
        store.read_head(conn, self.row.app, lock=True)
        return store.add_version(conn, self.row.app, self.items, author, note)


class Overlays:
    """What :class:`~formflow.design.service.DesignService` does for shipped apps;
    the caller checked the user may design."""

    def __init__(self, runtime, check):
        self.runtime = runtime
        self.db = runtime.db
        self.check = check  # (app, documents) -> (model, problems as the API shows them)

    def shipped(self, app: str) -> dict[str, Any]:
        return self.runtime.shipped[app]

    def documents(self, app: str, items: list[dict]) -> dict[str, Any]:
        return apply_overlay(self.shipped(app), items)[0]

    def draft(self, app: str) -> tuple[int, dict[str, Any]]:
        with self.db.read() as conn:
            head = store.read_head(conn, app)
            items = store.read_items(conn, app)
        return head.revision, self.documents(app, items)

    def apply(self, app: str, ops: Any, expected: int | None, actor: str
              ) -> tuple[int, dict[str, Any]]:
        """Add ``ops`` to the overlay (each checked against what a site may change)."""
        if not isinstance(ops, list) or not ops:
            raise _failed(0, Message("design_ops_required"))
        with self.db.write() as conn:
            head = store.locked(conn, app, expected)
            items = store.read_items(conn, app)
            documents = self._add(app, items, ops)
            revision = store.replace(conn, head, items, actor)
        return revision, documents

    def _add(self, app: str, items: list[dict], ops: list) -> dict[str, Any]:
        """Append ``ops`` to ``items``, each admitted and applied; the documents after."""
        shipped = self.shipped(app)
        documents = self.documents(app, items)
        for index, given in enumerate(ops):
            for op in split_options(shipped, documents, given):
                try:
                    op = admit(shipped, documents, op)
                    documents = apply_ops(documents, [op])
                except NotAllowed as refused:
                    raise _failed(index, refused.message) from None
                except OperationError as error:
                    raise _failed(index, error.message) from None
                items.append({"op": op, "was": _was(shipped, op["path"])})
        return documents

    def fork(self, app: str, process: str, name: Any, user) -> tuple[str, int]:
        """Fork ``process`` into a site-owned copy (``name``, by default ``x_<process>``)
        that its entity uses for new records once published; records already in the
        process keep the version they started with.  Returns the fork's name and the
        draft's new revision."""
        with self.db.write() as conn:
            head = store.locked(conn, app, None)
            items = store.read_items(conn, app)
            name, ops = fork_ops(self.documents(app, items), process, name)
            self._add(app, items, ops)
            revision = store.replace(conn, head, items, user.username)
            record(conn, user, "process.fork", Target("process", name, app),
                   {"process": process, "fork": name})
        return name, revision

    def outcomes(self, app: str) -> list[Outcome]:
        with self.db.read() as conn:
            items = store.read_items(conn, app)
        return apply_overlay(self.shipped(app), items)[1]

    def act(self, app: str, action: str, user, *, id: Any = None, path: Any = None) -> None:
        """An admin's action on the draft overlay, in one transaction with its entry in
        the admin log: ``accept`` re-bases operation ``id`` onto the shipped value as it
        is now (the site value stays); ``reapply`` runs it again through what a site may
        change, following a shipped field's rename; ``drop`` forgets it; ``reset``
        forgets every operation on the element at ``path`` and inside it."""
        if action not in ACTIONS:
            raise ValidationFailed({"action": [Message("overlay_action")]})
        if action == "reset" and (not isinstance(path, str) or not path.strip("/")):
            raise ValidationFailed({"path": [Message("overlay_reset_path")]})
        with self.db.write() as conn:
            head = store.locked(conn, app, None)
            items = store.read_items(conn, app)
            if action == "reset":
                path = path.strip("/")
                kept = [item for item in items if not _under(item["op"].get("path"), path)]
                details = {"path": path, "dropped": len(items) - len(kept)}
                items = kept
            else:
                index = _position(items, id)
                item = items[index]
                details = {"op": item["op"].get("op"), "path": item["op"].get("path")}
                if action == "drop":
                    del items[index]
                elif action == "accept":
                    item["was"] = _was(self.shipped(app), item["op"]["path"])
                else:
                    items[index] = self._reapplied(app, items, index)
                    details["now"] = items[index]["op"].get("path")
            store.replace(conn, head, items, user.username)
            record(conn, user, f"overlay.{action}", Target("overlay", id, app), details)

    def _reapplied(self, app: str, items: list[dict], index: int) -> dict:
        """Item ``index`` checked again against the shipped app as it is now (after the
        operations before it), with the shipped value it now changes; 422 saying why
        when it still cannot apply."""
        shipped = self.shipped(app)
        op = _renamed(shipped, items[index]["op"])
        before = apply_overlay(shipped, items[:index])[0]
        try:
            op = admit(shipped, before, op)
            apply_ops(before, [op])
        except NotAllowed as refused:
            raise ValidationFailed({"op": [refused.message]}) from None
        except OperationError as error:
            raise ValidationFailed({"op": [error.message]}) from None
        return {**items[index], "op": op, "was": _was(shipped, op["path"])}

    def replace_all(self, app: str, items: Any, actor: str) -> int:
        """The draft overlay becomes ``items`` (``[{"op", "was"}]``, an export)."""
        if not isinstance(items, list) or not all(
                isinstance(item, dict) and isinstance(item.get("op"), dict)
                and isinstance(item.get("was", {}), dict) for item in items):
            raise ValidationFailed({"items": [Message("overlay_file")]})
        with self.db.write() as conn:
            head = store.locked(conn, app, None)
            return store.replace(conn, head, [store.plain(i) for i in items], actor)

    def publisher(self, app: str) -> OverlayPublisher:
        with self.db.read() as conn:
            head = store.read_head(conn, app)
            items = store.read_items(conn, app)
        documents = self.documents(app, items)
        model, problems = self.check(app, documents)
        return OverlayPublisher(self.runtime, head, items, documents, model, problems)


def _position(items: list[dict], id: Any) -> int:
    for index, item in enumerate(items):
        if item["seq"] == id and not isinstance(id, bool):
            return index
    raise NotFound(Message("overlay_not_found", {"id": id}))


def _under(path: Any, element: str) -> bool:
    return isinstance(path, str) and (path == element or path.startswith(element + "/"))


FIELD_PATH = re.compile(r"(entities/[^/]+/fields/)([^/]+)(/.*)?")


def _renamed(shipped: dict, op: dict) -> dict:
    """``op`` addressed to the shipped field's new name when the field it names is gone
    and a shipped field says it was ``renamed_from`` it."""
    match = FIELD_PATH.fullmatch(op.get("path") or "")
    if match is None:
        return op
    entity = shipped.get(f"entities/{match[1].split('/')[1]}.json") or {}
    names = {f.get("name"): f for f in entity.get("fields", []) if isinstance(f, dict)}
    if match[2] in names:
        return op
    new = next((n for n, f in names.items() if f.get("renamed_from") == match[2]), None)
    if new is None:
        return op
    return {**op, "path": f"{match[1]}{new}{match[3] or ''}"}


def _was(shipped: dict, path: str) -> dict:
    try:
        return value_at(shipped, path)
    except PathError:
        return {}


def _failed(index: int, message: Message) -> ValidationFailed:
    return OperationFailed(OperationError(index, message))
