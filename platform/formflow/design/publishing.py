"""Planning and publishing a site app's draft.

A publish checks the draft (problems refuse it: 422) and its field type changes (only
between safe types, :mod:`formflow.design.type_changes`), plans the tables against the live
database (a value that does not convert refuses it; a step that drops data needs
``confirm_destructive``, else 409), then migrates with a runtime built from the
published site apps plus this draft, records the new version in the transaction that
raises the metadata revision (so every worker loads it), and returns that runtime.
"""

from __future__ import annotations

from typing import Any

from formflow.design import drafts
from formflow.design.plan import PublishPlan, plan_app
from formflow.design.site_apps import published_site_apps
from formflow.design.type_changes import unsafe_type_changes
from formflow.errors import ServiceError
from formflow.i18n import Message
from formflow.install import migrate
from formflow.metadata.model import Model
from formflow.storage.migrate import MigrationRefused
from formflow.storage.tables import build_schema


class PublishRefused(ServiceError):
    """The draft cannot be published; ``problems`` says why (422), or, with
    ``destructive``, which steps lose data and need confirming (409)."""

    def __init__(self, message: Message, problems: list[dict], steps: list[dict] | None = None,
                 status: int = 422):
        super().__init__(message)
        self.problems = problems
        self.steps = steps or []
        self.status = status


class Publisher:
    def __init__(self, runtime, row: drafts.DraftRow, documents: dict[str, Any], model: Model,
                 problems: list[dict]):
        self.runtime = runtime
        self.row = row
        self.documents = documents
        self.model = model
        self.problems = problems

    def _errors(self) -> list[dict]:
        return [p for p in self.problems if p["level"] == "error"]

    def _type_problems(self) -> list[dict]:
        """The field type changes from the published version that values cannot take."""
        if self.row.published_version is None:
            return []
        with self.runtime.db.read() as conn:
            published = drafts.read_version(conn, self.row.app, self.row.published_version)
        return unsafe_type_changes(published or {}, self.documents)

    def _storage_plan(self) -> PublishPlan:
        runtime = self.runtime
        self.schema = build_schema(self.model, runtime.field_types, runtime.plugin_tables())
        with runtime.db.read() as conn:
            return plan_app(conn, self.schema, runtime.field_types, self.row.app)

    def plan(self) -> dict:
        """``{"problems", "steps"}``: what blocks the publish, and what it would do."""
        problems = [{"path": p["path"], "message": p["message"]} for p in self._errors()]
        problems += self._type_problems()
        if problems:  # the tables of a broken draft cannot be planned
            return {"problems": problems, "steps": []}
        planned = self._storage_plan()
        return {"problems": planned.problems, "steps": planned.steps}

    def publish(self, *, confirm: bool, note: str, author: str) -> tuple[int, Any]:
        errors = self._errors()
        if errors:
            raise PublishRefused(Message("design_has_problems", {"count": len(errors)}), errors)
        unsafe = self._type_problems()
        if unsafe:
            raise PublishRefused(Message("design_data_problems"), unsafe)
        planned = self._storage_plan()
        if planned.problems:
            raise PublishRefused(Message("design_data_problems"), planned.problems)
        destructive = [step for step in planned.steps if step["destructive"]]
        if destructive and not confirm:
            raise PublishRefused(Message("design_confirm_destructive"), [], destructive, 409)
        fresh = self.fresh_runtime()
        version: list[int] = []

        def record(conn) -> None:
            version.append(self.record(conn, author, note))

        try:
            migrate(fresh, allow_destructive=bool(destructive), on_publish=record)
        except MigrationRefused as refused:
            problems = [{"path": "", "message": line} for line in refused.problems]
            raise PublishRefused(Message("design_data_problems"), problems) from None
        return version[0], fresh

    def fresh_runtime(self):
        """The runtime serving the published apps with this draft in."""
        published = published_site_apps(self.runtime.db)
        site_apps = {**published, self.row.app: self.documents}
        others = {k: v for k, v in published.items() if k != self.row.app}
        current = {k: v for k, v in self.runtime.site_apps.items() if k != self.row.app}
        # The model checked is the runtime's with this draft in: reuse it, and its
        # tables, unless another site app was published since the runtime was built.
        prepared = (self.model, self.schema) if others == current else None
        return self.runtime.with_site_apps(site_apps, prepared)

    def record(self, conn, author: str, note: str) -> int:
        """Record the published version (in the transaction raising the revision)."""
        drafts.read_app(conn, self.row.app, lock=True)  # publishes of an app take turns
        return drafts.add_version(conn, self.row.app, self.documents, author, note)
