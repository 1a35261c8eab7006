"""The designer on shipped apps: every change is kept as an overlay operation with the
shipped value it was made against, published like a site app's draft, and listed
with its status against the shipped files as they are now."""

from __future__ import annotations

from typing import Any

from formflow.design import overlay_store as store
from formflow.design.operations import OperationError, OperationFailed, apply_ops
from formflow.design.overlay_apply import Outcome, apply_overlay, value_at
from formflow.design.overlay_rules import NotAllowed, admit
from formflow.design.paths import PathError
from formflow.design.publishing import Publisher
from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message


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
        shipped = self.shipped(app)
        with self.db.write() as conn:
            head = store.locked(conn, app, expected)
            items = store.read_items(conn, app)
            documents = self.documents(app, items)
            for index, op in enumerate(ops):
                try:
                    op = admit(shipped, documents, op)
                    documents = apply_ops(documents, [op])
                except NotAllowed as refused:
                    raise _failed(index, refused.message) from None
                except OperationError as error:
                    raise _failed(index, error.message) from None
                items.append({"op": op, "was": _was(shipped, op["path"])})
            revision = store.replace(conn, head, items, actor)
        return revision, documents

    def outcomes(self, app: str) -> list[Outcome]:
        with self.db.read() as conn:
            items = store.read_items(conn, app)
        return apply_overlay(self.shipped(app), items)[1]

    def change(self, app: str, body: Any, actor: str) -> None:
        """An admin's action on the draft overlay: ``{"action": "accept"|"drop",
        "index": n}`` (n counts from 0 in the list) or ``{"action": "reset", "path"}``:
        accept re-bases an operation onto the shipped value as it is now; drop forgets
        it; reset forgets every operation on the element at ``path``."""
        if not isinstance(body, dict) or body.get("action") not in ("accept", "drop", "reset"):
            raise ValidationFailed({"action": [Message("overlay_action")]})
        with self.db.write() as conn:
            head = store.locked(conn, app, None)
            items = store.read_items(conn, app)
            if body["action"] == "reset":
                path = body.get("path")
                if not isinstance(path, str) or not path:
                    raise ValidationFailed({"path": [Message("overlay_action")]})
                items = [item for item in items
                         if item["op"]["path"] != path
                         and not item["op"]["path"].startswith(path + "/")]
            else:
                index = body.get("index")
                if not isinstance(index, int) or isinstance(index, bool) \
                        or not 0 <= index < len(items):
                    raise NotFound(Message("overlay_not_found", {"index": index}))
                if body["action"] == "drop":
                    del items[index]
                else:
                    items[index]["was"] = _was(self.shipped(app), items[index]["op"]["path"])
            store.replace(conn, head, items, actor)

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


def _was(shipped: dict, path: str) -> dict:
    try:
        return value_at(shipped, path)
    except PathError:
        return {}


def _failed(index: int, message: Message) -> ValidationFailed:
    return OperationFailed(OperationError(index, message))
