"""A record in its process as one operation sees it: the connection of the operation's
transaction, the record (internal form) and its process version, the event that entered
its current state once read, the parallel branch the operation acts in, and the user
names it looked up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from formflow.metadata.model import Entity, Process, State
from formflow.process.people import People

if TYPE_CHECKING:
    from formflow.process.branches import BranchRun


@dataclass
class Case:
    """One record in its process, as an operation sees it."""

    conn: Connection
    entity: Entity
    record: dict[str, Any]  # internal form, as stored now
    process: Process
    #: The event that entered the current state, ``(id, at)``, once read (see ``entry``).
    entered: tuple[int, datetime] | None = field(default=None, repr=False)
    #: The parallel branch this operation acts in (see :mod:`formflow.process.branches`).
    branch: BranchRun | None = None
    #: User ids looked up in this operation (shared by the case's copies).
    people: People = field(default=None, repr=False)

    def __post_init__(self):
        if self.people is None:
            self.people = People(self.conn)

    @property
    def at(self) -> str:
        """The name of the current state: the branch's step in a branch case."""
        return self.branch.step if self.branch else self.record["_state"]

    @property
    def state(self) -> State | None:
        return self.process.state(self.at)

    @property
    def key(self) -> dict[str, Any]:
        return {"entity": self.entity.qualified_name, "record_id": self.record["id"]}
