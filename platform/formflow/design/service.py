"""The design service: what the design API and the designer pages call.

Only admins and holders of the built-in ``designer`` role may use it.  Site apps (kept
in the database) are edited through their draft; shipped apps (folders on the metadata
path) can be read and exported but not changed here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from formflow.auth import User
from formflow.design import archive, drafts, overlay_store, presence
from formflow.design.operations import OperationError, OperationFailed, apply_ops
from formflow.design.overlay_service import Overlays
from formflow.design.paths import APP_DOCUMENT, named_path
from formflow.design.publishing import Publisher
from formflow.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.metadata.loader import check_site_app
from formflow.metadata.model import Model
from formflow.metadata.problems import Problem
from formflow.metadata.site_cache import DocumentCache

DESIGNER_ROLE = "designer"
APP_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: Names a site app may not take: the first step of other page and /api/v1 paths.
RESERVED = frozenset({
    "design", "designer", "meta", "tasks", "openapi", "insights", "admin", "notifications",
    "events", "plugins", "calendar", "static", "files", "inbox", "login", "logout",
    "profile", "api", "health", "metrics", "language",
})
MAX_NOTE = 2000


class ReadOnlyApp(ServiceError):
    status = 409


def can_design(user: User) -> bool:
    return user.is_admin or DESIGNER_ROLE in user.roles


@dataclass(frozen=True)
class Draft:
    app: str
    revision: int
    documents: dict[str, Any]
    problems: list[dict]
    #: The other users editing the app now (only when the caller asked to be present).
    editors: list[dict] = field(default_factory=list)


@dataclass
class _Remembered:
    """A worker's copy of a draft at one revision, and what checking it built."""

    revision: int = 0
    documents: dict[str, Any] | None = None
    cache: DocumentCache = field(default_factory=DocumentCache)
    lock: threading.Lock = field(default_factory=threading.Lock)


#: (database, app) -> the draft as this worker last saw it.  Used only when the
#: database's revision is still the remembered one.
_REMEMBERED: dict[tuple[str, str], _Remembered] = {}
_REMEMBERED_LOCK = threading.Lock()


class DesignService:
    def __init__(self, runtime):
        self.runtime = runtime
        self.db = runtime.db
        #: Shipped apps: their changes are kept as overlays.
        self.overlays = Overlays(runtime, self._checked)

    def _remembered(self, app: str) -> _Remembered:
        key = (self.db.engine.url.render_as_string(hide_password=True), app)
        with _REMEMBERED_LOCK:
            return _REMEMBERED.setdefault(key, _Remembered())

    def _documents(self, conn, app: str, revision: int) -> dict[str, Any]:
        """The draft's documents at ``revision``: this worker's copy when it has that
        revision, else read."""
        remembered = self._remembered(app)
        if remembered.revision == revision and remembered.documents is not None:
            return remembered.documents
        return drafts.read_documents(conn, app)

    def _remember(self, app: str, revision: int, documents: dict[str, Any]) -> None:
        remembered = self._remembered(app)
        remembered.revision, remembered.documents = revision, documents

    # -- reading ------------------------------------------------------------------------

    def apps(self, user: User) -> list[dict]:
        _require(user)
        with self.db.read() as conn:
            rows = {row.app: row for row in drafts.list_apps(conn)}
            labels = {name: drafts.read_documents(conn, name).get(APP_DOCUMENT, {}).get("label")
                      for name in rows}
        result = [_summary(app.name, app.documents.get(APP_DOCUMENT, {}).get("label"),
                           "shipped", None, None)
                  for app in self.runtime.model.apps.values() if app.name not in rows]
        result += [_summary(name, labels[name], "site", row.revision, row.published_version)
                   for name, row in rows.items()]
        return sorted(result, key=lambda item: item["name"])

    def draft(self, user: User, app: str, *, present: bool = False) -> Draft:
        """The app's draft; ``present``: the caller is editing it (see :meth:`editors`)."""
        found = self._draft(user, app)
        return replace(found, editors=self.editors(user, app)) if present else found

    def editors(self, user: User, app: str) -> list[dict]:
        """Mark ``user`` as editing ``app`` now; the others editing it (who asked within
        the last two minutes)."""
        _require(user)
        now = utcnow()
        with self.db.write() as conn:
            if drafts.read_app(conn, app) is None:
                self._shipped_draft(app)  # 404 unless shipped
            presence.touch(conn, app, user.username, user.display_name or user.username, now)
            return presence.others(conn, app, user.username, now)

    def _draft(self, user: User, app: str) -> Draft:
        _require(user)
        with self.db.read() as conn:
            row = drafts.read_app(conn, app)
            if row is None:
                self._shipped_draft(app)  # 404 unless shipped
                revision, documents = self.overlays.draft(app)
                return Draft(app, revision, documents, self.problems(app, documents))
            documents = self._documents(conn, app, row.revision)
        self._remember(app, row.revision, documents)
        return Draft(app, row.revision, documents, self.problems(app, documents))

    def problems(self, app: str, documents: Mapping[str, Any]) -> list[dict]:
        return [_problem(documents, p) for p in self._check(app, documents)[1]]

    def _check(self, app: str, documents: Mapping[str, Any]) -> tuple[Model, list[Problem]]:
        remembered = self._remembered(app)
        with remembered.lock:
            return check_site_app(self.runtime.model, app, documents,
                                  field_types=self.runtime.field_types,
                                  functions=list(self.runtime.functions),
                                  cache=remembered.cache)

    def _checked(self, app: str, documents: Mapping[str, Any]) -> tuple[Model, list[dict]]:
        model, problems = self._check(app, documents)
        return model, [_problem(documents, p) for p in problems]

    def is_shipped(self, app: str) -> bool:
        return app in self.runtime.shipped and app not in self.runtime.site_apps

    def _shipped_draft(self, app: str) -> Draft:
        shipped = self.runtime.model.apps.get(app)
        if shipped is None or shipped.name in self.runtime.site_apps:
            raise NotFound(Message("design_app_not_found", {"app": app}))
        return Draft(app, 0, dict(shipped.documents), [])

    def published(self, user: User, app: str) -> dict[str, Any]:
        """The documents of the site app's published version ({} before the first)."""
        _require(user)
        with self.db.read() as conn:
            row = drafts.read_app(conn, app)
            return {} if row is None else self._published(conn, row)

    def versions(self, user: User, app: str) -> list[dict]:
        """The published versions, newest first; of a shipped app, its published
        overlays."""
        _require(user)
        with self.db.read() as conn:
            if drafts.read_app(conn, app) is None:
                self._shipped_draft(app)  # 404 unless shipped
                return overlay_store.list_versions(conn, app)
            return drafts.list_versions(conn, app)

    def export(self, user: User, app: str, version: int | None = None) -> bytes:
        _require(user)
        if version is None:
            return archive.write_zip(app, self.draft(user, app).documents)
        with self.db.read() as conn:
            self._site_row(conn, app)
            documents = drafts.read_version(conn, app, version)
        if documents is None:
            raise NotFound(Message("design_version_not_found", {"version": version}))
        return archive.write_zip(app, documents)

    # -- changing -----------------------------------------------------------------------

    def create(self, user: User, body: Any) -> dict:
        _require(user)
        body = plain_json(body)
        if not isinstance(body, dict) or not set(body) <= {"name", "label"}:
            raise ValidationFailed({"": [Message("design_create_body")]})
        name = body.get("name")
        self._check_new_name(name)
        document = {"name": name}
        if body.get("label") is not None:
            document["label"] = body["label"]
        with self.db.write() as conn:
            if drafts.read_app(conn, name) is not None:
                raise Conflict(Message("design_app_exists", {"app": name}))
            drafts.create(conn, name, {APP_DOCUMENT: document}, user.username)
        return _summary(name, document.get("label"), "site", 1, None)

    def apply(self, user: User, app: str, ops: Any, expected: int | None) -> Draft:
        """Apply ``ops`` to the draft in one transaction; ``expected``: the revision the
        caller edited (a stale one is refused: 412)."""
        _require(user)
        ops = plain_json(ops)
        if self.is_shipped(app):
            revision, after = self.overlays.apply(app, ops, expected, user.username)
            return Draft(app, revision, after, self.problems(app, after))
        with self.db.write() as conn:
            self._site_row(conn, app)
            row = drafts.locked(conn, app, expected)
            before = self._documents(conn, app, row.revision)
            published = self._published(conn, row)
            try:
                after = apply_ops(before, ops, published=published)
            except OperationError as error:
                raise OperationFailed(error) from None
            revision = drafts.save(conn, row, before, after, kind="ops", ops=ops,
                                   actor=user.username)
        self._remember(app, revision, after)
        return Draft(app, revision, after, self.problems(app, after))

    def undo(self, user: User, app: str, expected: int | None) -> Draft:
        return self._step(user, app, expected, drafts.undo)

    def redo(self, user: User, app: str, expected: int | None) -> Draft:
        return self._step(user, app, expected, drafts.redo)

    def _step(self, user: User, app: str, expected: int | None, step) -> Draft:
        _require(user)
        with self.db.write() as conn:
            self._site_row(conn, app)
            revision = step(conn, drafts.locked(conn, app, expected), user.username)
            documents = drafts.read_documents(conn, app)
        return Draft(app, revision, documents, self.problems(app, documents))

    def restore(self, user: User, app: str, version: int, expected: int | None) -> Draft:
        """The draft becomes published version ``version`` (an undoable change)."""
        _require(user)
        with self.db.write() as conn:
            self._site_row(conn, app)
            row = drafts.locked(conn, app, expected)
            documents = drafts.read_version(conn, app, version)
            if documents is None:
                raise NotFound(Message("design_version_not_found", {"version": version}))
            before = drafts.read_documents(conn, app)
            revision = drafts.save(conn, row, before, documents, kind="restore",
                                   ops={"version": version}, actor=user.username)
        return Draft(app, revision, documents, self.problems(app, documents))

    def import_zip(self, user: User, data: bytes) -> tuple[Draft, bool]:
        """A zipped app folder becomes a site app's draft: a new app, or the new draft
        of the site app of that name (undoable).  Returns the draft and whether the app
        is new."""
        _require(user)
        documents = archive.read_zip(data)
        name = documents["app.json"].get("name") if isinstance(documents["app.json"], dict) \
            else None
        with self.db.write() as conn:
            row = drafts.read_app(conn, name) if isinstance(name, str) else None
            if row is None:
                self._check_new_name(name)
                drafts.create(conn, name, documents, user.username)
                revision, created = 1, True
            else:
                row = drafts.locked(conn, name, None)
                before = drafts.read_documents(conn, name)
                revision = drafts.save(conn, row, before, documents, kind="import", ops=[],
                                       actor=user.username)
                created = False
        return Draft(name, revision, documents, self.problems(name, documents)), created

    # -- planning and publishing -----------------------------------------------------------

    def plan(self, user: User, app: str) -> dict:
        _require(user)
        return self._publisher(app).plan()

    def publish(self, user: User, app: str, body: Any) -> tuple[int, Any]:
        """Publish the draft; returns the version and the runtime now serving it."""
        _require(user)
        if not isinstance(body, dict) or not set(body) <= {"confirm_destructive", "note"}:
            raise ValidationFailed({"": [Message("design_publish_body")]})
        note = body.get("note") or ""
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise ValidationFailed({"note": [Message("design_note", {"max": MAX_NOTE})]})
        confirm = body.get("confirm_destructive", False)
        if not isinstance(confirm, bool):
            raise ValidationFailed({"confirm_destructive": [Message("invalid_boolean")]})
        return self._publisher(app).publish(confirm=confirm, note=note, author=user.username)

    def _publisher(self, app: str) -> Publisher:
        if self.is_shipped(app):
            return self.overlays.publisher(app)
        with self.db.read() as conn:
            row = self._site_row(conn, app)
            documents = drafts.read_documents(conn, app)
        model, problems = self._check(app, documents)
        return Publisher(self.runtime, row, documents, model,
                         [_problem(documents, p) for p in problems])

    # -- overlays of shipped apps -----------------------------------------------------------

    def overlay(self, user: User, app: str) -> list:
        """The draft overlay's operations with their status against the shipped files."""
        _require(user)
        return self.overlays.outcomes(self._shipped_app(app))

    def overlay_action(self, user: User, app: str, action: str, *, id: Any = None,
                       path: Any = None) -> list:
        """Accept, re-apply or drop operation ``id``, or reset the element at ``path``
        (see :meth:`Overlays.act`); the overlay after it."""
        _require(user)
        self.overlays.act(self._shipped_app(app), action, user, id=id, path=path)
        return self.overlays.outcomes(app)

    def change_overlay(self, user: User, app: str, body: Any) -> list:
        """``{"action", "id"}`` (or ``"index"``: its place in the list, from 0), or
        ``{"action": "reset", "path"}``: :meth:`overlay_action` from one JSON body."""
        _require(user)
        body = plain_json(body)
        if not isinstance(body, dict) or not set(body) <= {"action", "id", "index", "path"}:
            raise ValidationFailed({"action": [Message("overlay_action")]})
        id = body.get("id")
        index = body.get("index")
        if id is None and isinstance(index, int) and not isinstance(index, bool):
            outcomes = self.overlays.outcomes(self._shipped_app(app))
            id = outcomes[index].id if 0 <= index < len(outcomes) else -1
        return self.overlay_action(user, app, body.get("action"), id=id,
                                   path=body.get("path"))

    def fork_process(self, user: User, app: str, process: str, name: Any = None) -> dict:
        """Fork a shipped app's process into a site-owned copy (see
        :meth:`Overlays.fork`): ``{"process", "revision"}``; publishing makes it used."""
        _require(user)
        fork, revision = self.overlays.fork(self._shipped_app(app), process, name, user)
        return {"process": fork, "revision": revision}

    def replace_overlay(self, user: User, app: str, items: Any) -> list:
        _require(user)
        self.overlays.replace_all(self._shipped_app(app), plain_json(items), user.username)
        return self.overlays.outcomes(app)

    def _shipped_app(self, app: str) -> str:
        if not self.is_shipped(app):
            raise NotFound(Message("design_app_not_found", {"app": app}))
        return app

    # -- helpers ------------------------------------------------------------------------

    def _site_row(self, conn, app: str) -> drafts.DraftRow:
        """The site app's row; a shipped app is read-only here (409), others unknown."""
        row = drafts.read_app(conn, app)
        if row is not None:
            return row
        if app in self.runtime.model.apps:
            raise ReadOnlyApp(Message("design_read_only", {"app": app}))
        raise NotFound(Message("design_app_not_found", {"app": app}))

    def _published(self, conn, row: drafts.DraftRow) -> dict[str, Any]:
        if row.published_version is None:
            return {}
        return drafts.read_version(conn, row.app, row.published_version) or {}

    def _check_new_name(self, name: Any) -> None:
        if not isinstance(name, str) or not APP_NAME.fullmatch(name) or name in RESERVED:
            raise ValidationFailed({"name": [Message("design_app_name")]})
        if name in self.runtime.model.apps:
            raise Conflict(Message("design_app_exists", {"app": name}))


def plain_json(value: Any) -> Any:
    """``value`` with the API's exact decimals as JSON numbers again (a document holds
    what its JSON text holds: ``1.5``, ``10``)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) \
            else float(value)
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_json(item) for item in value]
    return value


def _require(user: User) -> None:
    if not can_design(user):
        raise Forbidden(Message("design_forbidden"))


def _summary(name: str, label: Any, owner: str, revision: int | None,
             version: int | None) -> dict:
    return {"name": name, "label": label, "owner": owner, "revision": revision,
            "version": version, "draft_revision": revision, "published_version": version}


def _problem(documents: Mapping[str, Any], problem: Problem) -> dict:
    """A checker problem as the API reports it, its path named by keys."""
    file = problem.file.partition("/")[2]
    return {"path": named_path(documents, file, problem.path), "message": problem.message,
            "level": problem.level, "file": file, "pointer": problem.path}
