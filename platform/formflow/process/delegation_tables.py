"""The tables of delegation (委托/代理): who stands in for whom, when, in which
processes; and which tasks a deputy holds on someone else's behalf."""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime
from formflow.storage.system import system_metadata

delegations = sa.Table(
    "ff_delegations",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer,
              sa.ForeignKey("ff_users.id", name="fk_ff_delegations_user_id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("deputy_id", sa.Integer,
              sa.ForeignKey("ff_users.id", name="fk_ff_delegations_deputy_id",
                            ondelete="CASCADE"),
              nullable=False),
    #: The first and last day (in the site's time zone) tasks go to the deputy.
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    #: Qualified process names ("hr.leave_approval"); NULL: every process.
    sa.Column("processes", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_ff_delegations_user", "user_id", "ends_on"),
)

#: A task its assignee holds as a deputy: whose task it is (代 张三).
task_principals = sa.Table(
    "ff_task_principals",
    system_metadata,
    sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("principal_id", sa.Integer,
              sa.ForeignKey("ff_users.id", name="fk_ff_task_principals_principal_id"),
              nullable=False),
)
