"""The inbox (``/inbox``): the signed-in user's work in four tabs — to do (open
approvals), done (tasks decided or closed), copied to me (cc) and started by me (records
the user created that are in a process, running or finished with their result) — each a
list linking to the record, with its step and deadline, overdue ones marked.

The to-do tab shows each task as an approver reads it (see :mod:`inbox_rows`), filtered
by app, process and step (``app``, ``process``, ``state``) and searched (``q``), with
one-click decisions and a batch approval (:mod:`inbox_actions`).

Also the counts in the navigation bar: open tasks and unread notifications, one count
query each, made once per page (kept on ``g`` for that request only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from formflow.process.navigation import NavCounts
from formflow.runtime import get_runtime
from formflow.web.auth import signed_in
from formflow.web.blueprint import web
from formflow.web.language import page_language
from formflow.web.process.inbox_rows import facet_choices, task_rows
from formflow.web.process.labels import ProcessLabels, StateBadge, moment, overdue
from formflow.web.rendering import render

TABS = {
    "todo": _l("To do"),
    "done": _l("Done"),
    "cc": _l("Copied to me"),
    "mine": _l("Started by me"),
}
#: The task status of each tab (``mine`` is no task list).
STATUS = {"todo": "open", "done": "done", "cc": "cc"}


def nav_counts() -> NavCounts:
    """Open tasks and unread notifications of the signed-in user, counted at most once
    per request."""
    if "ff_nav_counts" not in g:
        user = current_user.user if current_user and current_user.is_authenticated else None
        g.ff_nav_counts = (
            get_runtime().navigation.counts(user) if user is not None else NavCounts(0, 0)
        )
    return g.ff_nav_counts


@web.app_context_processor
def inbox_globals():
    return {"nav_counts": nav_counts}


@dataclass(frozen=True)
class Item:
    """One line of a tab: a record and where it stands."""

    url: str | None
    title: str
    entity_label: str
    number: str | None
    state: str
    received: str | None  # opened (a task), created (started by me)
    due_at: str | None
    closed_at: str | None
    decision: str | None
    overdue: bool
    late: bool  # decided after its deadline
    flagged: bool
    status: str | None  # of a task: open, done, cancelled
    result: str | None = None  # started by me: the final state reached
    badge: StateBadge | None = None  # the state as its badge shows it


@dataclass(frozen=True)
class TodoFilter:
    """The to-do tab's filter, from the query string."""

    app: str = ""
    process: str = ""
    state: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> TodoFilter:
        return cls(*(str(args.get(key, "")).strip()[:100] for key in ("app", "process",
                                                                      "state", "q")))

    @property
    def active(self) -> bool:
        return any((self.app, self.process, self.state, self.q))

    def entities(self, model) -> list[str] | None:
        """The process entities the filter keeps (None: all)."""
        if not (self.app or self.process):
            return None
        return [
            entity.qualified_name for entity in model.entities()
            if (process := model.process_for(entity)) is not None
            and (not self.app or entity.app == self.app)
            and (not self.process or process.qualified_name == self.process)
        ]


#: Rows a tab shows at a time, and how far back its pages go.
PER_PAGE = 50
MAX_PAGE = 40


@web.get("/inbox")
def inbox():
    tab = request.args.get("tab", "todo")
    if tab not in TABS:
        tab = "todo"
    return render_inbox(tab)


def render_inbox(tab: str, *, notice: str = "", failures: dict[int, str] | None = None,
                 status: int = 200):
    """The inbox page (or, for htmx, its body) on ``tab``; ``notice`` and ``failures``
    (task id -> why it was refused) report what a decision from the list did."""
    user = signed_in()
    runtime = get_runtime()
    context: dict[str, Any] = {}
    page = _page_number(request.values.get("page"))
    wanted = page * PER_PAGE + 1  # one more than shown: is there a next page?
    if tab == "todo":
        chosen = TodoFilter.from_args(request.values)
        found = runtime.inbox.open_tasks(user, entities=chosen.entities(runtime.model),
                                         state=chosen.state or None)
        rows = task_rows(runtime.model, user, found, page_language(), _record_url)
        if chosen.q:
            rows = [row for row in rows if row.matches(chosen.q)]
        rows, more = _page_of(rows, page)
        apps, processes, states = facet_choices(runtime.model, runtime.inbox.facets(user),
                                                page_language())
        context = {"rows": rows, "filter": chosen, "apps": apps, "processes": processes,
                   "states": states}
        items = []
    elif tab == "mine":
        items, more = _page_of(_items(runtime.process.started(user, limit=min(wanted, 200)),
                                      tab), page)
    else:
        items, more = _page_of(_items(runtime.process.tasks(user, STATUS[tab], limit=wanted),
                                      tab), page)
    return render("inbox/inbox", "inbox/_tasks", tab=tab, tabs=TABS, items=items,
                  page_area="inbox", notice=notice, failures=failures or {}, status=status,
                  page_number=page, more=more, **context)


def _page_number(text: str | None) -> int:
    """The page asked for, from 1 to MAX_PAGE (anything else: the first)."""
    return int(text) if text and text.isdigit() and 1 <= int(text) <= MAX_PAGE else 1


def _page_of(rows: list, page: int) -> tuple[list, bool]:
    """The rows of ``page`` and whether a later page has any."""
    start = (page - 1) * PER_PAGE
    return rows[start:start + PER_PAGE], len(rows) > start + PER_PAGE


def _items(rows: list[dict[str, Any]], tab: str) -> list[Item]:
    return [item for item in (_item(row, tab) for row in rows) if item is not None]


def _record_url(entity, record_id: int) -> str:
    return url_for("web.view_record", app=entity.app, entity=entity.name, record_id=record_id)


def open_items(user, limit: int) -> list[Item]:
    """The user's newest open tasks (the home page shows a few)."""
    rows = get_runtime().process.tasks(user, "open", limit=limit)
    return [item for item in (_item(row, "todo") for row in rows) if item is not None]


def _item(row: dict[str, Any], tab: str) -> Item | None:
    model = get_runtime().model
    entity = model.entity(f"{row['app']}.{row['entity']}")
    if entity is None:
        return None  # an entity no longer published: nothing to open
    process = model.process_for(entity)
    labels = ProcessLabels(process, page_language())
    now = datetime.now(UTC)
    due, closed = moment(row.get("due_at")), moment(row.get("closed_at"))
    open_now = tab == "todo" or (tab == "mine" and not row.get("final"))
    return Item(
        url=url_for(
            "web.view_record", app=entity.app, entity=entity.name, record_id=row["record_id"]
        ),
        title=row.get("record_title") or row.get("record_number") or f"#{row['record_id']}",
        entity_label=entity.label.text(page_language()),
        number=row.get("record_number"),
        state=labels.state(row.get("state")),
        badge=labels.badge(row.get("state")),
        received=row.get("opened_at") or row.get("created_at"),
        due_at=row.get("due_at"),
        closed_at=row.get("closed_at"),
        decision=labels.action(row["decision"]) if row.get("decision") else None,
        overdue=open_now and overdue(row.get("due_at"), now),
        late=tab == "done" and due is not None and closed is not None and closed > due,
        flagged=bool(row.get("flagged")) and tab == "todo",
        status=row.get("status"),
        result=labels.state(row.get("state")) if row.get("final") else None,
    )
