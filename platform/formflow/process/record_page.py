"""A record's page from one read: the record, its history, where its process stands,
the actions its reader may take, whether they may edit or delete it, the plugins'
actions, the titles of everything it names and the rating prompt, all read in one
transaction (:meth:`Database.one_read`), whichever services know each part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from formflow.auth import User
from formflow.errors import NotFound
from formflow.i18n import Message
from formflow.records.service import Permitted
from formflow.records.titles import ReferenceTitles, Titles

if TYPE_CHECKING:
    from formflow.insights.feedback import FeedbackService
    from formflow.metadata.model import Model
    from formflow.plugins.actions import RecordActionService
    from formflow.process.service import ProcessService
    from formflow.records.service import RecordService
    from formflow.storage.database import Database


@dataclass(frozen=True)
class RecordPage:
    """Everything a record page shows, as its reader may see it."""

    #: The record (JSON form, fields the reader may not read left out).
    record: dict[str, Any]
    #: Field changes and process events, oldest first.
    history: list[dict[str, Any]]
    #: Where the process stands (:meth:`ProcessService.progress`); None outside one.
    progress: dict[str, Any] | None
    #: The process actions the reader may take now (:meth:`ProcessService.actions`).
    actions: list[dict[str, Any]]
    permitted: Permitted
    #: The plugins' record actions the reader may run.
    plugin_actions: list[dict[str, Any]]
    #: Titles of the linked records, users and departments the record, its history and
    #: its pending tasks name.
    titles: Titles
    #: The rating prompt of a finished case (:meth:`FeedbackService.prompt`).
    rating: dict[str, Any] | None


@dataclass(frozen=True)
class ActionPage:
    """What an action's dialog starts from: the record and the action as offered to its
    reader now (None when it is not)."""

    record: dict[str, Any]
    action: dict[str, Any] | None


class RecordPages:
    def __init__(
        self,
        db: Database,
        model: Model,
        records: RecordService,
        process: ProcessService,
        record_actions: RecordActionService,
        titles: ReferenceTitles,
        feedback: FeedbackService,
    ):
        self.db = db
        self.model = model
        self.records = records
        self.process = process
        self.record_actions = record_actions
        self.titles = titles
        self.feedback = feedback

    def record_page(
        self, user: User, entity_name: str, record_id: int, lang: str | None = None
    ) -> RecordPage:
        """The page of record ``record_id`` for ``user`` (NotFound unless they may read
        it); labels of plugin actions in ``lang``."""
        entity = self.records.entity(entity_name)
        with self.db.one_read():
            record = self.records.get(user, entity_name, record_id)
            history = self.process.history(user, entity_name, record_id)
            in_process = bool(record.get("_state")) and self.model.process_for(entity) is not None
            progress = self.process.progress(user, entity_name, record_id) if in_process else None
            actions = self.process.actions(user, entity_name, record_id) if in_process else []
            permitted = self.records.permitted(user, entity_name, record_id)
            plugin_actions = self.record_actions.offered(user, entity, lang)
            titles = self.titles.collect(user, entity.fields, [record, *changed_values(history)])
            self.titles.add_people(titles, people_named(record, history, progress))
            rating = self.feedback.prompt(user, entity, record) if in_process else None
        return RecordPage(
            record, history, progress, actions, permitted, plugin_actions, titles, rating
        )

    def action_page(self, user: User, entity_name: str, record_id: int, name: str) -> ActionPage:
        """The record and the action ``name`` as :meth:`ProcessService.actions` offers it
        to ``user`` now, from one read (NotFound for a record outside any process)."""
        entity = self.records.entity(entity_name)
        with self.db.one_read():
            record = self.records.get(user, entity_name, record_id)
            if self.model.process_for(entity) is None or not record.get("_state"):
                raise NotFound(Message("not_found"))
            offered = self.process.actions(user, entity_name, record_id)
        return ActionPage(record, next((a for a in offered if a["name"] == name), None))


def changed_values(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The values the history's field changes name, new and old, as records."""
    changes = [entry.get("changes") or {} for entry in history]
    return [{name: change.get("new") for name, change in c.items()} for c in changes] + [
        {name: change.get("old") for name, change in c.items()} for c in changes
    ]


def people_named(
    record: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    progress: Mapping[str, Any] | None,
) -> set[str]:
    """The user names the page shows: the creator, the actors and the people their
    events name, and the pending tasks' holders."""
    names = {record.get("_created_by")}
    for event in history:
        names.add(event.get("actor"))
        data = event.get("data") or {}
        names.update(u for u in data.get("users") or [] if isinstance(u, str))
        for key in ("to", "from", "on_behalf_of", "user"):
            names.add(data.get(key) if isinstance(data.get(key), str) else None)
    for task in (progress or {}).get("tasks", ()):
        names.update((task.get("assignee"), task.get("on_behalf_of")))
    return {name for name in names if name}
