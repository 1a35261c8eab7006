"""The titles of what records refer to: linked records, users and departments.

Pages show a link as its target's title, a user as their display name and a department
as its name.  :class:`ReferenceTitles` looks them up for any number of records at once:
one list query per linked entity (through the records service, so a record the reader
may not read keeps only its id) and one look-up of the people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from formflow.auth import User
from formflow.errors import ServiceError
from formflow.fields import Registry
from formflow.metadata.model import Field
from formflow.records.people import People
from formflow.records.service import RecordService

#: How many linked records one list query asks for.
CHUNK = 200


@dataclass
class Titles:
    """Titles found so far: linked records by target entity and id, users' display names
    by user name, departments' names by code."""

    links: dict[str, dict[int, str]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)


class ReferenceTitles:
    def __init__(self, records: RecordService, people: People, field_types: Registry):
        self.records = records
        self.people = people
        self.field_types = field_types

    def collect(
        self,
        user: User,
        fields: Iterable[Field],
        records: Iterable[Mapping[str, Any]],
        into: Titles | None = None,
    ) -> Titles:
        """The titles of what ``fields`` of ``records`` (JSON form, line items included)
        refer to, added to ``into``; one read per kind of look-up."""
        titles = into if into is not None else Titles()
        wanted: dict[tuple[str, str], set] = defaultdict(set)
        fields = list(fields)
        for record in records:
            self._gather(fields, record, wanted)
        for (kind, target), values in wanted.items():
            if kind == "record":
                titles.links.setdefault(target, {}).update(self._links(user, target, values))
        users = {v for (kind, _), values in wanted.items() if kind == "user" for v in values}
        departments = {
            v for (kind, _), values in wanted.items() if kind == "department" for v in values
        }
        self.add_people(titles, users, departments=bool(departments - titles.departments.keys()))
        return titles

    def add_people(
        self, titles: Titles, usernames: Iterable[str], *, departments: bool = False
    ) -> None:
        """Add the display names of ``usernames`` (and every department's name)."""
        new_users = set(usernames) - titles.users.keys()
        if new_users or departments:
            names, by_code = self.people.titles(new_users, departments)
            titles.users.update(names)
            titles.departments.update(by_code)

    def _gather(self, fields: list[Field], record: Mapping[str, Any], wanted) -> None:
        for item in fields:
            value = record.get(item.name)
            if value in (None, "", []):
                continue
            if item.is_table:
                for row in value:
                    self._gather(list(item.fields), row, wanted)
            elif (kind := self.field_types[item.type].reference) == "record":
                wanted[(kind, item.to)].add(value)
            elif kind is not None:
                wanted[(kind, "")].add(value)

    def _links(self, user: User, target: str, ids: set) -> dict[int, str]:
        titles: dict[int, str] = {}
        wanted = sorted(i for i in ids if isinstance(i, int))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            try:
                page = self.records.list(
                    user, target, {"id__in": [",".join(map(str, chunk))], "per_page": [str(CHUNK)]}
                )
            except ServiceError:  # the user may not read that entity: ids only
                return {}
            for item in page.items:
                titles[item["id"]] = item.get("_title") or item.get("_number") or f"#{item['id']}"
        return titles
