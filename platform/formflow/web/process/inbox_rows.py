"""The rows of the inbox's to-do tab, as an approver reads them (like Feishu's 审批中心):
the record and its requester, the entity's list columns formatted with their labels,
the amount (its money fields), how long the task has waited, its deadline, and the
decisions that take one click.

Built from :meth:`Inbox.open_tasks` with the references (linked records, users,
departments) of all rows looked up together, so the page costs the same few statements
whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _

from formflow.auth import can_read_field
from formflow.metadata.model import Entity, Field, Model
from formflow.process.inbox import Facet, OpenTask
from formflow.web.process.labels import ProcessLabels, duration, moment
from formflow.web.records.display import (
    References,
    display_text,
    display_title,
    field_label,
    system_field,
    title_fields,
)
from formflow.web.records.listing import list_columns

#: Columns every row shows anyway (title, number, step, requester).
_SHOWN = {"_title", "_number", "_state", "_created_by", "_created_at", "_process_version"}
#: How many of the list's columns a row shows as key fields.
MAX_KEY_FIELDS = 4


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    record_id: int
    url: str
    title: str
    entity_label: str
    number: str | None
    state: str
    requester: str
    key_fields: list[tuple[str, str]]  # (label, value)
    amount: str | None
    waiting: str
    received: str | None
    due_at: str | None
    overdue: bool
    flagged: bool
    #: Whose task the user holds as their deputy (代 张三), as the page shows the name.
    on_behalf_of: str
    #: (action name, label, comment required)
    actions: list[tuple[str, str, bool]]
    batch: bool

    @property
    def comment_needed(self) -> bool:
        """Whether one of the row's decisions needs a comment."""
        return any(needs for _, _, needs in self.actions)

    def matches(self, query: str) -> bool:
        """Whether the row's words contain ``query`` (case-insensitive)."""
        words = [self.title, self.number or "", self.requester, self.entity_label, self.state]
        words += [value for _, value in self.key_fields]
        needle = query.casefold()
        return any(needle in word.casefold() for word in words if word)


def task_rows(model: Model, user, found: list[OpenTask], lang: str, url_for_record,
              now: datetime | None = None) -> list[TaskRow]:
    """The rows of ``found`` (tasks whose entity is no longer published are left out)."""
    now = now or datetime.now(UTC)
    refs = References(user)
    columns: dict[str, list[Field]] = {}
    for open_task in found:
        entity = _entity(model, open_task)
        if entity is not None and entity.qualified_name not in columns:
            columns[entity.qualified_name] = _key_columns(entity, user)
    creator = system_field("_created_by")
    for qualified, fields in columns.items():
        records = [t.record for t in found if t.record is not None
                   and _qualified(t) == qualified]
        refs.collect([*fields, creator, *title_fields(model.entity(qualified))], records)
    refs.collect([creator], [{"_created_by": t.task.get("on_behalf_of")} for t in found
                             if t.task.get("on_behalf_of")])
    rows = []
    for open_task in found:
        entity = _entity(model, open_task)
        if entity is None:
            continue
        rows.append(_row(model, entity, open_task, columns[entity.qualified_name], refs, lang,
                         url_for_record, now))
    return rows


def facet_choices(model: Model, facets: list[Facet], lang: str
                  ) -> tuple[list[Choice], list[Choice], list[Choice]]:
    """The app, process and state filter options of the user's open tasks."""
    apps: dict[str, str] = {}
    processes: dict[str, str] = {}
    states: dict[str, str] = {}
    for facet in facets:
        entity = model.entity(facet.entity)
        process = model.process_for(entity) if entity is not None else None
        if process is None:
            continue
        app = model.apps.get(entity.app)
        apps[entity.app] = app.label.text(lang) if app is not None else entity.app
        processes[process.qualified_name] = process.label.text(lang)
        states.setdefault(facet.state, ProcessLabels(process, lang).state(facet.state))
    return tuple([Choice(k, v) for k, v in sorted(d.items(), key=lambda kv: kv[1])]
                  for d in (apps, processes, states))


def _row(model: Model, entity: Entity, open_task: OpenTask, fields: list[Field],
         refs: References, lang: str, url_for_record, now: datetime) -> TaskRow:
    task, record = open_task.task, open_task.record or {}
    process = model.process_for(entity)
    labels = ProcessLabels(process, lang)
    opened, due = moment(task.get("opened_at")), moment(task.get("due_at"))
    creator = record.get("_created_by")
    key_fields = [(field_label(f, lang), display_text(f, record.get(f.name), refs, lang))
                  for f in fields if f.type != "money"]
    money = [f for f in fields if f.type == "money" and record.get(f.name) not in (None, "")]
    return TaskRow(
        task_id=task["id"],
        record_id=task["record_id"],
        url=url_for_record(entity, task["record_id"]),
        title=display_title(entity, record, refs, lang) if record
        else task.get("record_title") or f"#{task['record_id']}",
        entity_label=entity.label.text(lang),
        number=record.get("_number"),
        state=labels.state(task.get("state")),
        requester=refs.title(system_field("_created_by"), creator) if creator else "",
        key_fields=[(label, value) for label, value in key_fields if value][:MAX_KEY_FIELDS],
        amount=display_text(money[0], record.get(money[0].name), refs, lang) if money else None,
        waiting=_("Waiting %(time)s", time=duration((now - opened).total_seconds()))
        if opened else "",
        received=task.get("opened_at"),
        due_at=task.get("due_at"),
        overdue=due is not None and due < now,
        flagged=bool(task.get("flagged")),
        on_behalf_of=refs.title(system_field("_created_by"), task["on_behalf_of"])
        if task.get("on_behalf_of") else "",
        actions=[(t.name, labels.action(t.name), t.comment == "required")
                 for t in open_task.quick],
        batch=open_task.batch_action is not None,
    )


def _key_columns(entity: Entity, user) -> list[Field]:
    """The entity's list columns not shown otherwise, then its money fields."""
    fields = [f for f in list_columns(entity, user) if f.name not in _SHOWN]
    names = {f.name for f in fields}
    fields += [f for f in entity.scalar_fields if f.type == "money" and f.name not in names
               and can_read_field(f, user.roles)]
    return fields


def _entity(model: Model, open_task: OpenTask) -> Entity | None:
    return model.entity(_qualified(open_task))


def _qualified(open_task: OpenTask) -> str:
    return f"{open_task.task['app']}.{open_task.task['entity']}"

