"""System tables of the process engine: published versions, tasks, events, branches,
notifications and the working calendar.

A task is one user's piece of work on one record in one state: an approval to decide
(``kind`` "approve"), or a copy to read (``kind`` "cc").  Events are the process log:
every action, with the time the record spent in the state it left.
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime
from formflow.storage.system import system_metadata

_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")

process_versions = sa.Table(
    "ff_process_versions",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("process", sa.String(130), nullable=False),  # "app.process"
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("process", "version", name="uq_ff_process_versions"),
)

tasks = sa.Table(
    "ff_tasks",
    system_metadata,
    sa.Column("id", _BIGINT, primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("process_version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(64), nullable=False),
    #: Counts the record's entries into states, so tasks of an earlier visit of the same
    #: state are never confused with the current ones.
    sa.Column("visit", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, server_default="approve"),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("ff_users.id"), nullable=False),
    #: open: can act; waiting: a later turn of a sequential approval; done; cancelled.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decision", sa.String(64)),
    sa.Column("comment", sa.Text),
    sa.Column("flagged", sa.Boolean, nullable=False, server_default=sa.false()),
    # how the task came: assigned, transfer, add_approver, escalation, reassign
    sa.Column("origin", sa.String(32)),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("due_at", UtcDateTime),
    sa.Column("remind_at", UtcDateTime),
    sa.Column("reminded_at", UtcDateTime),
    sa.Column("breached_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
    sa.Index("ix_ff_tasks_record", "entity", "record_id", "visit"),
    sa.Index("ix_ff_tasks_assignee", "assignee_id", "status"),
    sa.Index("ix_ff_tasks_due", "status", "due_at"),
    sa.Index("ix_ff_tasks_remind", "status", "remind_at"),
)

events = sa.Table(
    "ff_events",
    system_metadata,
    sa.Column("id", _BIGINT, primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("process_version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("from_state", sa.String(64)),
    sa.Column("to_state", sa.String(64)),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("ff_users.id")),
    sa.Column("task_id", _BIGINT),
    #: The parallel branch the event happened in (None on the main line).
    sa.Column("branch", sa.String(64)),
    sa.Column("comment", sa.Text),
    sa.Column("data", sa.JSON),
    sa.Column("at", UtcDateTime, nullable=False),
    #: Seconds the record spent in ``from_state`` when this event moved it out.
    sa.Column("seconds_in_state", sa.Float),
    sa.Index("ix_ff_events_record", "entity", "record_id", "id"),
    sa.Index("ix_ff_events_at", "at"),
)

branches = sa.Table(
    "ff_branches",
    system_metadata,
    sa.Column("id", _BIGINT, primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    #: The parallel state and the event that entered it: one fork of the record.
    sa.Column("fork", sa.String(64), nullable=False),
    sa.Column("fork_visit", _BIGINT, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    #: running: at ``step`` since event ``visit``; done (reached the join); rejected
    #: (ended by a rejection, ``outcome`` its final state); cancelled.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("step", sa.String(64)),
    sa.Column("visit", _BIGINT, nullable=False),
    sa.Column("entered_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(64)),
    sa.Column("closed_at", UtcDateTime),
    sa.Index("ix_ff_branches_record", "entity", "record_id", "fork_visit"),
)

notifications = sa.Table(
    "ff_notifications",
    system_metadata,
    sa.Column("id", _BIGINT, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("ff_users.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # task, cc, reminder, breach, nudge
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("task_id", _BIGINT),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("read_at", UtcDateTime),
    sa.Column("emailed_at", UtcDateTime),
    sa.Index("ix_ff_notifications_user", "user_id", "read_at"),
)

# The working calendar (formflow.process.calendar): the week, one row (none: Monday to
# Friday, 09:00-12:00 and 13:00-18:00), and dated exceptions.
calendar_week = sa.Table(
    "ff_calendar",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weekdays", sa.JSON, nullable=False),  # [1, 2, 3, 4, 5]
    sa.Column("hours", sa.JSON, nullable=False),  # [["09:00", "12:00"], ["13:00", "18:00"]]
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer, sa.ForeignKey("ff_users.id", ondelete="SET NULL")),
)

calendar_days = sa.Table(
    "ff_calendar_days",
    system_metadata,
    sa.Column("day", sa.Date, primary_key=True),
    #: False: a holiday (a non-working weekday); true: a make-up working day.
    sa.Column("working", sa.Boolean, nullable=False),
    sa.Column("note", sa.String(200)),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# Delegation's tables live beside its logic; importing them here defines them on
# system_metadata with the other process tables, wherever the schema is built.
from formflow.process import delegation_tables  # noqa: E402,F401
