"""Satisfaction and cost: the requester's rating of a finished case (1 to 5 stars and a
comment, asked for by a notification when the case ends) and the hourly cost of each role,
which turns the approvers' handling time into a cost per case.

A case may be rated by its requester (the record's creator) once it has reached a final
state; rating it again replaces the rating.  Hourly costs are an admin setting; an
approver whose roles have several costs counts at the highest.  An approval task's
handling time runs from its opening to its decision, in working hours of the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from formflow.auth import User
from formflow.auth.tables import users
from formflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from formflow.fields.columns import UtcDateTime, utcnow
from formflow.i18n import Message
from formflow.metadata.model import Entity, Model
from formflow.storage.system import system_metadata

MAX_COMMENT = 1000
MAX_COST = Decimal("100000")
#: The built-in final state of ``cancel``.
CANCELLED = "cancelled"
#: The notification asking the requester for a rating: (subject, sentence) per language.
RATE_TEXTS = {"rate": {
    "en": ("Rate it", "{entity} “{title}” is finished: how well was it handled? "
                      "Rate it from 1 to 5 on its page."),
    "zh-CN": ("评价", "您的{entity}“{title}”已办结，请在记录页面为办理过程打 1–5 分。"),
}}

ratings = sa.Table(
    "ff_insight_ratings",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("process_version", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("ff_users.id"), nullable=False),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("rated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("entity", "record_id", name="uq_ff_insight_ratings"),
)

role_costs = sa.Table(
    "ff_insight_role_costs",
    system_metadata,
    sa.Column("role", sa.String(64), primary_key=True),
    sa.Column("hourly_cost", sa.Numeric(12, 2), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

def finished(entity: Entity, model: Model, record: Mapping[str, Any]) -> bool:
    """Whether the record's case has ended (its state is final)."""
    process = model.process_for(entity)
    if process is None:
        return False
    state = process.state(record.get("_state") or "")
    return record.get("_state") == CANCELLED or (state is not None and state.final)


class FeedbackService:
    def __init__(self, db, model: Model, records):
        self.db = db
        self.model = model
        self.records = records

    # -- ratings ------------------------------------------------------------------------

    def rating(self, user: User, entity_name: str, record_id: int) -> dict[str, Any]:
        """The case's rating (``score`` None when unrated) and whether ``user`` may rate."""
        entity = self.records.entity(entity_name)
        with self.db.read() as conn:
            record = self.records.readable_record(conn, user, entity, record_id)
            row = self._stored(conn, entity, record_id)
        return _as_json(row, self._may_rate(user, entity, record))

    def rate(self, user: User, entity_name: str, record_id: int,
             body: Mapping[str, Any]) -> dict[str, Any]:
        """Store the requester's rating of their finished case (``{"score": 1-5,
        "comment": ...}``), replacing an earlier one."""
        score, comment = _parse(body)
        entity = self.records.entity(entity_name)
        with self.db.write() as conn:
            record = self.records.readable_record(conn, user, entity, record_id)
            if self.model.process_for(entity) is None:
                raise NotFound(Message("not_found"))
            if record.get("_created_by") != user.username:
                raise Forbidden(Message("rating_not_requester"))
            if not finished(entity, self.model, record):
                raise Conflict(Message("rating_not_finished"))
            key = {"entity": entity.qualified_name, "record_id": record_id}
            conn.execute(sa.delete(ratings).filter_by(**key))
            conn.execute(sa.insert(ratings).values(
                **key, process_version=record.get("_process_version") or 1, user_id=user.id,
                score=score, comment=comment, rated_at=utcnow()))
            row = self._stored(conn, entity, record_id)
        return _as_json(row, True)

    def prompt(self, user: User, entity: Entity, record: Mapping[str, Any]) -> dict | None:
        """What the record page shows of the rating: None for an unfinished case or a
        reader who is not its requester and sees no rating."""
        if not finished(entity, self.model, record):
            return None
        with self.db.read() as conn:
            row = self._stored(conn, entity, record["id"])
        may = self._may_rate(user, entity, record)
        return _as_json(row, may) if may or row is not None else None

    # -- costs --------------------------------------------------------------------------

    def costs(self, user: User) -> dict[str, Decimal]:
        """The hourly cost of each role that has one (admins)."""
        _require_admin(user)
        with self.db.read() as conn:
            return self.hourly_costs(conn)

    def set_costs(self, user: User, values: Mapping[str, str], roles: Iterable[str]) -> None:
        """Set the hourly cost of ``roles`` from ``values`` (role -> text; empty: none)."""
        _require_admin(user)
        parsed, errors = {}, {}
        for role in roles:
            text = (values.get(role) or "").strip()
            if not text:
                continue
            try:
                cost = Decimal(text)
            except InvalidOperation:
                cost = None
            if cost is None or not cost.is_finite() or not 0 <= cost <= MAX_COST \
                    or -cost.as_tuple().exponent > 2:
                errors[role] = [Message("cost_invalid", {"max": MAX_COST})]
            else:
                parsed[role] = cost
        if errors:
            raise ValidationFailed(errors)
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(sa.delete(role_costs))
            if parsed:
                conn.execute(sa.insert(role_costs), [
                    {"role": role, "hourly_cost": cost, "updated_at": now}
                    for role, cost in parsed.items()])

    @staticmethod
    def hourly_costs(conn) -> dict[str, Decimal]:
        return {r.role: r.hourly_cost for r in conn.execute(sa.select(role_costs))}

    # -- inside -------------------------------------------------------------------------

    def _may_rate(self, user: User, entity: Entity, record: Mapping[str, Any]) -> bool:
        return (record.get("_created_by") == user.username
                and finished(entity, self.model, record))

    @staticmethod
    def _stored(conn, entity: Entity, record_id: int):
        return conn.execute(
            sa.select(ratings.c.score, ratings.c.comment, ratings.c.rated_at, users.c.username)
            .join(users, users.c.id == ratings.c.user_id)
            .where(ratings.c.entity == entity.qualified_name, ratings.c.record_id == record_id)
        ).first()


def _parse(body: Mapping[str, Any]) -> tuple[int, str | None]:
    if not isinstance(body, Mapping):
        raise ValidationFailed({"score": [Message("rating_score")]})
    unknown = set(body) - {"score", "comment"}
    if unknown:
        raise ValidationFailed({name: [Message("unknown_field")] for name in sorted(unknown)})
    score = body.get("score")
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed({"score": [Message("rating_score")]})
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed({"comment": [Message("invalid_text")]})
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ValidationFailed({"comment": [Message("max_length", {"max": MAX_COMMENT})]})
    return score, comment


def _as_json(row, may_rate: bool) -> dict[str, Any]:
    return {
        "score": row.score if row else None,
        "comment": row.comment if row else None,
        "rated_by": row.username if row else None,
        "rated_at": row.rated_at.isoformat() if row else None,
        "may_rate": may_rate,
    }


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden(Message("forbidden"))
