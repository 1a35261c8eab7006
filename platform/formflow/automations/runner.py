"""The automations' built-in plugin: it listens to record saves and process moves, runs
the automations they set off, runs scheduled ones from ``formflow tick``, and logs
every run.

An automation runs in the transaction of its trigger, after the trigger's own work (its
hooks are called last), in the name of the user who triggered it but not limited by that
user's permissions: the automation is the app designer's rule.  Scheduled runs act as the
system, one record per transaction.  When an action fails, the automation fails and so
does its trigger (a 422 naming the automation and the reason; nothing is kept); the run
is logged as failed once that transaction has ended.  Automations that set off others
nest; ``formflow check`` refuses chains that can loop, and a depth guard stops any chain
deeper than :data:`MAX_DEPTH` all the same.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from functools import partial
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from formflow.auth import SYSTEM, User, can_read_field
from formflow.automations.actions import NOTIFICATION_KIND, ActionFailed, Work, carry_out
from formflow.automations.log import record_run
from formflow.automations.triggers import Event, Triggers
from formflow.automations.webhooks import Calls, body
from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import LANGUAGES, Message
from formflow.metadata.automation_model import Automation, AutomationAction
from formflow.metadata.model import Entity, Label, Model
from formflow.plugins import Job, hookimpl
from formflow.records.serialize import record_to_json
from formflow.storage.database import after_commit, after_rollback, is_outage

log = logging.getLogger("formflow.automations")
#: How deep automations may set off one another within one trigger.
MAX_DEPTH = 5
#: Records one scheduled run looks at.
MAX_SCHEDULED = 1000
_DEPTH = "formflow_automation_depth"
#: The notification automations send: (subject, sentence) per language.
NOTIFICATION_TEXTS = {
    "en": ("Automation", "An automation brings {entity} “{title}” to your attention."),
    "zh-CN": ("智能助手", "智能助手提醒您关注{entity}“{title}”。"),
}


class AutomationFailed(ValidationFailed):
    """An automation could not do its work; the whole operation is refused with why."""

    def __init__(self, message: Message):
        self.reason = message
        super().__init__({"": [message]})


class AutomationRunner:
    def __init__(self, model: Model):
        self.model = model
        self.triggers = Triggers(model)

    # -- hooks ------------------------------------------------------------------------

    @hookimpl(trylast=True)
    def record_after_save(self, conn, user, entity, record, current, runtime):
        if self.triggers.watched(entity):
            kind = "create" if current is None else "update"
            self.run_event(conn, runtime, user, Event(kind, entity, record, current))

    @hookimpl(trylast=True)
    def process_after_transition(self, conn, user, entity, record, to_state, runtime):
        if self.triggers.watched(entity):
            self.run_event(conn, runtime, user, Event("enter", entity, record, state=to_state))

    @hookimpl
    def register_notification_kinds(self):
        return {NOTIFICATION_KIND: NOTIFICATION_TEXTS}

    @hookimpl
    def register_jobs(self):
        return [Job(job_name(a), partial(self.scheduled, a), interval=a.every)
                for a in self.model.automations() if a.active and a.on == "schedule"]

    # -- running ----------------------------------------------------------------------

    def run_event(self, conn: Connection, runtime, user: User, event: Event) -> None:
        for automation in self.triggers.matching(event):
            self.run(conn, runtime, user, automation, event)

    def run(self, conn: Connection, runtime, user: User, automation: Automation,
            event: Event) -> bool:
        """Run ``automation`` on the event's record if its condition holds; whether it
        ran.  Raises :class:`AutomationFailed` when an action fails."""
        actor = user if user.id is None else replace(user, roles=user.roles | {"admin"})
        work = Work(conn, runtime, actor, event.entity, event.record)
        depth = conn.info.get(_DEPTH, 0)
        try:
            if automation.when and not work.holds(automation.when):
                return False
            if depth >= MAX_DEPTH:
                raise ActionFailed(Message("automation_too_deep", {"depth": MAX_DEPTH}))
            conn.info[_DEPTH] = depth + 1
            try:
                for action in automation.actions:
                    self.act(work, action, user)
            finally:
                conn.info[_DEPTH] = depth
        except AutomationFailed as inner:  # one it set off failed (and is logged)
            self.failed(conn, runtime, automation, event, user, inner.reason)
            raise
        except ActionFailed as error:
            reason = Message("automation_failed", {"automation": automation.label,
                                                   "problem": error.message})
            self.failed(conn, runtime, automation, event, user, reason)
            raise AutomationFailed(reason) from error
        except Exception as error:
            if not is_outage(error):
                self.failed(conn, runtime, automation, event, user, repr(error))
            raise
        self.succeeded(conn, runtime, automation, event, user)
        return True

    def act(self, work: Work, action: AutomationAction, user: User) -> None:
        """Carry out one action; a refusal from the records it writes becomes
        :class:`ActionFailed` naming the record's entity and the fields ``user`` (who set
        the automation off) may read."""
        try:
            carry_out(work, action)
        except AutomationFailed:
            raise
        except ValidationFailed as invalid:
            target = written_entity(self.model, work.entity, action)
            raise ActionFailed(Message("automation_invalid", {
                "entity": target.label, "problems": problems(target, invalid, user),
            })) from invalid
        except ServiceError as error:
            raise ActionFailed(error.message) from error

    def succeeded(self, conn, runtime, automation: Automation, event: Event,
                  user: User) -> None:
        urls = [a.target for a in automation.actions if a.kind == "webhook"]
        run_id = record_run(conn, automation.qualified_name, event.kind,
                            event.entity.qualified_name, event.record.get("id"),
                            "pending" if urls else "done", user.id)
        if urls:
            record = record_to_json(event.entity, event.record, runtime.field_types,
                                    lambda field: True)
            data = body(automation.qualified_name, event.kind, event.entity.qualified_name,
                        event.record.get("id"), None if user.id is None else user.username,
                        record)
            after_commit(conn, Calls(runtime.db, runtime.settings, run_id,
                                     automation.qualified_name, urls, data))

    def failed(self, conn, runtime, automation: Automation, event: Event, user: User,
               reason: Message | str) -> None:
        """Log the failed run once the transaction has ended: committed (a savepoint
        around the trigger rolled it back) or rolled back."""
        log.warning("automation %s failed on %s %s: %s", automation.qualified_name,
                    event.entity.qualified_name, event.record.get("id"),
                    reason if isinstance(reason, str) else reason.render("en"))

        def write() -> None:
            with runtime.db.write() as own:
                record_run(own, automation.qualified_name, event.kind,
                           event.entity.qualified_name, event.record.get("id"), "failed",
                           user.id, reason)

        after_commit(conn, write)
        after_rollback(conn, write)

    def scheduled(self, automation: Automation, db, runtime, now: datetime) -> int:
        """A scheduled run: every live record of the entity (the first
        :data:`MAX_SCHEDULED` by id) for which ``when`` holds, one transaction each;
        a failure is logged and the others go on.  Returns how many it acted on."""
        entity = self.model.entity(automation.entity)
        main = runtime.schema[entity.qualified_name].main
        with db.read() as conn:
            ids = conn.execute(sa.select(main.c.id).where(main.c._deleted_at.is_(None))
                               .order_by(main.c.id).limit(MAX_SCHEDULED)).scalars().all()
        acted = 0
        for record_id in ids:
            try:
                with db.write() as conn:
                    record = runtime.internal_records.load(conn, entity.qualified_name, record_id,
                                                         lock=True)
                    if record is not None and self.run(conn, runtime, SYSTEM, automation,
                                                       Event("schedule", entity, record)):
                        acted += 1
            except ServiceError:
                continue  # logged as failed; the next record is another matter
        return acted


def job_name(automation: Automation) -> str:
    """The ``formflow tick`` job of a scheduled automation."""
    return f"{automation.app}__{automation.name}"[:64]


def written_entity(model: Model, entity: Entity, action: AutomationAction) -> Entity:
    """The entity an action creates or updates records of."""
    if action.kind == "create":
        return model.entity(action.target)
    return model.entity(entity.field(action.target).to)


def problems(entity: Entity, invalid: ValidationFailed, user: User) -> Label:
    """The refusal's messages in every language, each after its field's label when
    ``user`` may read the field."""
    texts = {}
    for lang in LANGUAGES:
        parts = []
        for path, messages in invalid.errors.items():
            field = entity.field(path.split("[")[0].split(".")[0]) if path else None
            said = " ".join(m.render(lang) for m in messages)
            shown = field is not None and can_read_field(field, user.roles)
            parts.append(f"{field.label_text(lang)}: {said}" if shown else said)
        texts[lang] = "; ".join(parts)
    return Label(MappingProxyType(texts))
