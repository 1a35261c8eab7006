"""Saved list views: a user's own named list settings (filters, sort, columns) per
entity, kept as the list's query string in a small system table.

A view belongs to one user; nobody else sees, opens or deletes it.  Saving a view under
a name the user already gave that list replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from formflow.auth import User
from formflow.errors import ServiceError
from formflow.fields.columns import UtcDateTime, utcnow
from formflow.i18n import Message
from formflow.storage.database import Database
from formflow.storage.system import system_metadata

NAME_MAX = 60
QUERY_MAX = 2000
#: Views a user may keep per list.
VIEWS_MAX = 30
#: Query-string keys a view does not keep (the page it was on, the pickers' text).
NOT_KEPT = frozenset({"page", "view", "listbox"})

list_views = sa.Table(
    "ff_list_views",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("ff_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("entity", sa.String(130), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("query", sa.String(QUERY_MAX), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("user_id", "entity", "name", name="uq_ff_list_views_user_entity_name"),
)


class BadView(ServiceError):
    status = 422


@dataclass(frozen=True)
class ListView:
    id: int
    name: str
    query: str  # the list's query string, without the page


def kept_query(pairs: list[tuple[str, str]]) -> str:
    """The query string a view keeps: the list's arguments without paging or empties."""
    return urlencode([
        (k, v) for k, v in pairs if k not in NOT_KEPT and not k.startswith("_q_") and v.strip()
    ])


class ListViews:
    """The saved views service."""

    def __init__(self, db: Database):
        self.db = db

    def of(self, user: User, entity: str) -> list[ListView]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(list_views.c.id, list_views.c.name, list_views.c.query)
                .where(list_views.c.user_id == user.id, list_views.c.entity == entity)
                .order_by(list_views.c.name)
            ).all()
        return [ListView(r.id, r.name, r.query) for r in rows]

    def save(self, user: User, entity: str, name: str, query: str) -> ListView:
        name = " ".join(name.split())
        if not name:
            raise BadView(Message("view_name_required"))
        if len(name) > NAME_MAX:
            raise BadView(Message("view_too_long", {"max": NAME_MAX}))
        query = kept_query(parse_qsl(query, keep_blank_values=True))
        if len(query) > QUERY_MAX:
            raise BadView(Message("view_query_too_long"))
        mine = (list_views.c.user_id == user.id) & (list_views.c.entity == entity)
        with self.db.write() as conn:
            same = conn.execute(
                sa.select(list_views.c.id).where(mine, list_views.c.name == name)
            ).scalar()
            if same is not None:
                conn.execute(list_views.update().where(list_views.c.id == same).values(query=query))
                return ListView(same, name, query)
            count = conn.execute(sa.select(sa.func.count()).where(mine)).scalar() or 0
            if count >= VIEWS_MAX:
                raise BadView(Message("too_many_views", {"max": VIEWS_MAX}))
            new_id = conn.execute(list_views.insert().values(
                user_id=user.id, entity=entity, name=name, query=query, created_at=utcnow()
            )).inserted_primary_key[0]
        return ListView(new_id, name, query)

    def delete(self, user: User, entity: str, view_id: int) -> bool:
        """Delete one of the user's views; False when there is no such view of theirs."""
        with self.db.write() as conn:
            deleted = conn.execute(list_views.delete().where(
                list_views.c.id == view_id,
                list_views.c.user_id == user.id,
                list_views.c.entity == entity,
            )).rowcount
        return bool(deleted)
