"""What automations do: create a record, update a linked one, notify people, call a
webhook.

Values are expressions over the triggering record (``rows`` over each row of one of its
tables), evaluated by the safe expression language and converted to each field's value
the way computed values are; a link takes the record an expression names (``customer``)
or an id.  Records are written through the records service, in the trigger's
transaction, with every check a save makes: a value the target refuses fails the
automation, and the trigger with it.  Webhooks are only prepared here; they are called
after the commit (:mod:`.webhooks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from formflow.auth import User
from formflow.expressions import EvaluationContext
from formflow.fields import FieldValueError
from formflow.i18n import Message
from formflow.metadata.automation_model import AutomationAction, Rows
from formflow.metadata.model import Entity, Field
from formflow.process.assignees import Resolver
from formflow.records.evaluation import RecordScope, evaluate, holds
from formflow.records.internal import InternalRecords
from formflow.records.serialize import record_to_json

#: The notification kind automations send (registered by the runner).
NOTIFICATION_KIND = "automation"


class ActionFailed(Exception):
    """An action could not be carried out; ``message`` says why (a :class:`Message`)."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.key)


@dataclass
class Work:
    """One automation's actions on one record, in the trigger's transaction."""

    conn: Connection
    runtime: Any  # formflow.runtime.Runtime
    actor: User  # who the written records are in the name of
    entity: Entity
    record: Mapping[str, Any]

    @property
    def records(self) -> InternalRecords:
        """Automations write records in the internal form: the automation decides."""
        return self.runtime.internal_records

    def scope(self) -> RecordScope:
        return self.records.scope(self.conn, self.entity, self.record)

    def context(self) -> EvaluationContext:
        return self.records.context(self.actor)

    def holds(self, condition: str) -> bool:
        return holds(condition, self.scope(), self.context())


def carry_out(work: Work, action: AutomationAction) -> None:
    """Do one action (a webhook: nothing yet, see :mod:`.webhooks`)."""
    if action.kind == "create":
        create(work, action)
    elif action.kind == "update":
        update(work, action)
    elif action.kind == "notify":
        notify(work, action)


def create(work: Work, action: AutomationAction) -> None:
    target = work.runtime.model.entity(action.target)
    values = evaluate_values(work, target, action.values)
    payload = record_to_json(target, values, work.runtime.field_types,
                             lambda field: field.name in values)
    payload = {name: payload[name] for name in values}
    work.records.create_in(work.conn, work.actor, target, payload)


def update(work: Work, action: AutomationAction) -> None:
    """Change the record the link field ``action.target`` names; an empty link is no
    record to change."""
    link = work.entity.field(action.target)
    record_id = work.record.get(link.name)
    if record_id is None:
        return
    target = work.runtime.model.entity(link.to)
    current = work.records.load(work.conn, target.qualified_name, record_id,
                                         lock=True)
    if current is None:
        return
    values = evaluate_values(work, target, action.values)
    work.records.change_in(work.conn, work.actor, target, current, values)


def notify(work: Work, action: AutomationAction) -> None:
    runtime = work.runtime
    resolver = Resolver(work.conn, runtime.model, work.records.follower(work.conn))
    people = resolver.users(action.notify, work.entity, work.record)
    runtime.notifications.send(work.conn, people, NOTIFICATION_KIND,
                               work.entity.qualified_name, work.record["id"])


def evaluate_values(work: Work, target: Entity, values: Mapping[str, str | Rows]
                    ) -> dict[str, Any]:
    """The values for ``target``'s fields (internal form); ActionFailed naming the
    field whose value it cannot hold."""
    scope, context = work.scope(), work.context()
    result: dict[str, Any] = {}
    for name, value in values.items():
        field = target.field(name)
        if isinstance(value, Rows):
            result[name] = [
                {column: _convert(work, field.column(column), evaluate(text, row, context),
                                  target)
                 for column, text in value.values.items()}
                for row in scope[value.rows] or ()
                if not value.where or holds(value.where, row, context)
            ]
        else:
            result[name] = _convert(work, field, evaluate(value, scope, context), target)
    return result


def _convert(work: Work, field: Field, value: Any, target: Entity) -> Any:
    """An expression's result as ``field``'s value (a record named: its id)."""
    if value is None:
        return None
    if isinstance(value, RecordScope):
        value = value["id"]
    try:
        return work.runtime.field_types[field.type].from_computed(field, value)
    except FieldValueError as error:
        raise ActionFailed(Message("automation_value", {
            "entity": target.label, "field": field.label, "problem": error.message,
        })) from None
