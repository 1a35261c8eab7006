"""The identity tables: departments, users, their roles, their API tokens, the log of
administrative actions, and the counters of the rate limits on guessing.

They live on :data:`~formflow.storage.system.system_metadata`, so ``formflow init``
creates them with the other system tables.  Departments and users point at each other
(a department's head is a user, a user belongs to a department); the head's foreign key
is added after both tables exist (``use_alter``) to break the cycle.
"""

from __future__ import annotations

import sqlalchemy as sa

from formflow.fields.columns import UtcDateTime
from formflow.storage.system import system_metadata

departments = sa.Table(
    "ff_departments",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column(
        "parent_id",
        sa.Integer,
        sa.ForeignKey("ff_departments.id", name="fk_ff_departments_parent_id"),
        nullable=True,
    ),
    sa.Column(
        "head_id",
        sa.Integer,
        sa.ForeignKey(
            "ff_users.id",
            name="fk_ff_departments_head_id",
            use_alter=True,
            ondelete="SET NULL",
        ),
        nullable=True,
    ),
    sa.UniqueConstraint("code", name="uq_ff_departments_code"),
    sa.Index("ix_ff_departments_parent_id", "parent_id"),
)

users = sa.Table(
    "ff_users",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("phone", sa.String(32), nullable=True),
    # NULL: the user cannot sign in with a password (an account used through API
    # tokens only).
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column(
        "department_id",
        sa.Integer,
        sa.ForeignKey("ff_departments.id", name="fk_ff_users_department_id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column(
        "manager_id",
        sa.Integer,
        sa.ForeignKey("ff_users.id", name="fk_ff_users_manager_id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_login_at", UtcDateTime, nullable=True),
    # Raised by sign-out, deactivation and a new password: every session signed in under
    # an earlier value has ended (sessions carry a stamp of it, see users.session_stamp).
    sa.Column("session_epoch", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.UniqueConstraint("username", name="uq_ff_users_username"),
    sa.Index("ix_ff_users_department_id", "department_id"),
    sa.Index("ix_ff_users_manager_id", "manager_id"),
)

# User names are unique regardless of case ("Admin" may not sit beside "admin"), and
# sign-in looks them up the same way; they are ASCII, so lower() agrees everywhere.
sa.Index("uq_ff_users_username_lower", sa.func.lower(users.c.username), unique=True)

user_roles = sa.Table(
    "ff_user_roles",
    system_metadata,
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("ff_users.id", name="fk_ff_user_roles_user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("role", sa.String(64), primary_key=True),
    sa.Index("ix_ff_user_roles_role", "role"),
)

tokens = sa.Table(
    "ff_tokens",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("ff_users.id", name="fk_ff_tokens_user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("prefix", sa.String(8), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),  # NULL: never
    sa.UniqueConstraint("token_hash", name="uq_ff_tokens_token_hash"),
    sa.Index("ix_ff_tokens_user_id", "user_id"),
)

admin_log = sa.Table(
    "ff_admin_log",
    system_metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    # No foreign key: the entry outlives the account that acted.
    sa.Column("actor_id", sa.Integer, nullable=True),
    sa.Column("actor", sa.String(64), nullable=False),  # a user name, or "cli"
    sa.Column("action", sa.String(64), nullable=False),  # "user.create", "role.grant", ...
    sa.Column("target_kind", sa.String(32), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=True),
    sa.Column("target_name", sa.String(255), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Index("ix_ff_admin_log_at", "at"),
    sa.Index("ix_ff_admin_log_action", "action", "at"),
)

# The attempts counted per rate-limited key (sign-in, API tokens) while its window lasts.
rate_limits = sa.Table(
    "ff_rate_limits",
    system_metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # SHA-256 of the key
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # seconds since the epoch
)
