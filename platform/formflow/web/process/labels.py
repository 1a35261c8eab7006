"""The words of the process pages: names of states and actions in the page's language,
what an event of the timeline says, and durations ("2 h 5 min", "2 小时 5 分钟").

A state or transition labelled in the metadata shows its label; one without a label
shows a translation of the common names below (submit, approve, ...), else its name made
readable (``manager_review`` -> "Manager review").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from formflow.metadata.model import Process, humanize, text_of

#: Actions every process has, and common transition names.
ACTION_NAMES = {
    "submit": _l("Submit"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "send_back": _l("Send back"),
    "withdraw": _l("Withdraw"),
    "cancel": _l("Cancel request"),
    "transfer": _l("Transfer"),
    "add_approver": _l("Add approver"),
    "remove_approver": _l("Remove approver"),
    "delegate": _l("Delegate"),
    "remind": _l("Remind"),
    "comment": _l("Comment"),
    "timeout": _l("Timed out"),
    "breach": _l("Deadline passed"),
    "reassign": _l("Reassign"),
    "join": _l("Branches joined"),
    "auto_approve": _l("Approved automatically"),
    "auto_skip": _l("Skipped automatically"),
    "auto_refused": _l("Automatic approval refused"),
}
STATE_NAMES = {
    "cancelled": _l("Cancelled"),
    "draft": _l("Draft"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
ADD_MODES = {
    "before": _l("before me"),
    "after": _l("after me"),
    "parallel": _l("alongside me"),
}
#: What a page says once an action is taken ("已提交。"), by action name; other
#: actions say "Done: <label>.".
DONE_TEXTS = {
    "submit": _l("Submitted."),
    "approve": _l("Approved."),
    "reject": _l("Rejected."),
    "send_back": _l("Sent back."),
    "withdraw": _l("Withdrawn."),
    "cancel": _l("Request cancelled."),
    "transfer": _l("Handed over."),
    "add_approver": _l("Approvers added."),
    "remove_approver": _l("Approvers taken back."),
    "remind": _l("Reminder sent."),
    "comment": _l("Your comment was added."),
}
BUILTIN_ORDER = ("transfer", "add_approver", "remove_approver", "withdraw", "remind", "cancel",
                 "comment")
#: Words in the name of a final state that ends badly: its badge is red.
UNHAPPY = ("reject", "declin", "fail", "lost", "void", "refus")


@dataclass(frozen=True)
class StateBadge:
    """How a process state shows: its label in a coloured badge."""

    name: str
    label: str
    color: str


def state_color(process: Process | None, name: str) -> str:
    """The state's ``color``, else grey at the start and for cancelled records, blue
    while under way, green in a final state (red when its name says it ended badly)."""
    found = process.state(name) if process else None
    if found is not None and found.color:
        return found.color
    if found is None or name == process.start:
        return "gray"
    if found.final:
        return "red" if any(word in name for word in UNHAPPY) else "green"
    return "blue"


class ProcessLabels:
    """Texts of one process (or of none: names made readable) in the page language."""

    def __init__(self, process: Process | None, lang: str):
        self.process = process
        self.lang = lang

    def names(self) -> dict[str, str]:
        """Translations of the common names, for the diagram."""
        return {name: str(text) for name, text in {**ACTION_NAMES, **STATE_NAMES}.items()}

    def state(self, name: str | None) -> str:
        if not name:
            return ""
        found = self.process.state(name) if self.process else None
        if found is None:
            return str(STATE_NAMES.get(name) or humanize(name))
        return text_of(found.label, name, self.lang, self.names())

    def badge(self, name: str | None) -> StateBadge | None:
        if not name:
            return None
        return StateBadge(name, self.state(name), state_color(self.process, name))

    def action(self, name: str | None) -> str:
        if not name:
            return ""
        if self.process is not None:
            for transition in self.process.transitions:
                if transition.name == name:
                    return text_of(transition.label, name, self.lang, self.names())
        return str(ACTION_NAMES.get(name) or humanize(name))

    def describe(self, event: Mapping[str, Any], who: Callable[[str], str] = str) -> str:
        """What a process event of the timeline says after its actor's name; ``who``
        gives the name a user name shows as.  A deputy's decision names whose task it
        was."""
        text = self._describe(event, who)
        principal = (event.get("data") or {}).get("on_behalf_of")
        if principal:
            return _("%(text)s (on behalf of %(name)s)", text=text, name=who(str(principal)))
        return text

    def _describe(self, event: Mapping[str, Any], who: Callable[[str], str]) -> str:
        data = event.get("data") or {}
        action = event.get("action") or ""

        if action == "start":
            return _("started the process")
        if action == "fork":
            return _("started the parallel step “%(step)s”", step=self.state(event.get("to")))
        if action == "vote":
            return _(
                "chose “%(action)s”; waiting for the other approvers",
                action=self.action(data.get("decision")),
            )
        if action == "delegate":
            return _("gave the task of %(from)s to their deputy %(to)s",
                     **{key: who(str(data.get(key, ""))) for key in ("from", "to")})
        if action == "transfer":
            return _("handed the task to %(user)s", user=who(str(data.get("to", ""))))
        if action == "add_approver":
            joiner = "、" if self.lang.startswith("zh") else ", "
            users = joiner.join(who(str(u)) for u in data.get("users") or [])
            mode = ADD_MODES.get(data.get("mode", "parallel"), data.get("mode", ""))
            return _("added %(users)s as approvers (%(mode)s)", users=users, mode=mode)
        if action == "remove_approver":
            joiner = "、" if self.lang.startswith("zh") else ", "
            return _("took back %(users)s as approvers",
                     users=joiner.join(who(str(u)) for u in data.get("users") or []))
        if action == "reassign":
            return self._reassigned(data, who)
        if action == "remind":
            return _("asked the approvers to act")
        if action == "comment":
            return _("commented")
        if action == "breach":
            return _("the deadline passed")
        if action == "timeout":
            return _("the deadline passed; the step was decided automatically")
        if action in ("auto_approve", "auto_skip", "auto_refused"):
            return self._automatic(action, data, who)
        return _("chose “%(action)s”", action=self.action(action))

    def _automatic(self, action: str, data: Mapping[str, Any],
                   who: Callable[[str], str]) -> str:
        """An approval decided automatically (审批人去重, 审批人为空), or refused."""
        joiner = "、" if self.lang.startswith("zh") else ", "
        reason = data.get("reason")
        if action == "auto_refused":
            return _("could not pass the step automatically (%(error)s); it went to %(to)s",
                     error=data.get("error", ""),
                     to=joiner.join(who(str(u)) for u in data.get("to") or []))
        if action == "auto_skip":
            users = joiner.join(who(str(u)) for u in data.get("users") or [])
            if reason == "requester":
                return _("skipped %(users)s automatically: the requester does not approve "
                         "their own request", users=users)
            return _("skipped %(users)s automatically: they approved earlier", users=users)
        user = data.get("user")
        if user and reason == "requester":
            return _("approved automatically for %(user)s, the requester", user=who(str(user)))
        if user:
            return _("approved automatically for %(user)s, who approved earlier",
                     user=who(str(user)))
        if reason == "empty":
            return _("passed the step automatically: nobody was named to approve it")
        return _("passed the step automatically: nobody was left to approve it")

    def _reassigned(self, data: Mapping[str, Any], who: Callable[[str], str]) -> str:
        joiner = "、" if self.lang.startswith("zh") else ", "
        names = {key: joiner.join(who(str(u)) for u in data.get(key) or [])
                 for key in ("from", "to")}
        if data.get("reason") == "self_approval":
            return _("gave the step to %(to)s instead of %(from)s: nobody approves their own "
                     "request", **names)
        if data.get("reason") == "inactive":
            return _("handed the task of %(from)s, who is deactivated, to %(to)s", **names)
        return _("handed the task of %(from)s to %(to)s", **names)


def done_text(action: str, label: str) -> str:
    """What the page says after ``action`` (labelled ``label``) was taken."""
    text = DONE_TEXTS.get(action)
    return str(text) if text is not None else _("Done: %(action)s.", action=label)


def duration(seconds: float | None) -> str:
    """A duration, to the minute: "2 d 3 h", "4 h 12 min", "12 min"."""
    if seconds is None:
        return ""
    if seconds < 60:
        return _("under a minute")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if hours:
            return _("%(days)s d %(hours)s h", days=days, hours=hours)
        return _("%(days)s d", days=days)
    if hours:
        if minutes:
            return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
        return _("%(hours)s h", hours=hours)
    return _("%(minutes)s min", minutes=minutes)


def moment(value: str | None) -> datetime | None:
    """An ISO 8601 time of the services (``...Z``) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def overdue(due_at: str | None, now: datetime | None = None) -> bool:
    due = moment(due_at)
    return due is not None and due < (now or datetime.now(UTC))
