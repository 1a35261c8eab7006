"""The immutable in-memory model of loaded metadata: apps, entities, fields, processes.

The loader builds it from validated JSON documents; everything else reads it.  Nothing
here knows about a database or HTTP.  Objects are frozen dataclasses holding tuples
and read-only mappings, so a model can be shared by every request without copying.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formflow.metadata.automation_model import Automation
    from formflow.metadata.dashboard_model import Dashboard

DEFAULT_LANGUAGE = "zh-CN"

#: System fields every record has, in display order, with their value kind.
SYSTEM_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "id": "integer",
        "_number": "text",
        "_title": "text",
        "_state": "text",
        "_process_version": "integer",
        "_version": "integer",
        "_created_at": "datetime",
        "_created_by": "user",
        "_updated_at": "datetime",
        "_updated_by": "user",
        "_deleted_at": "datetime",
    }
)

#: The target of a transition back to the state the record came from.
PREVIOUS = "@previous"
#: The built-in final state a cancelled record ends in (when the process allows cancel).
CANCELLED = "cancelled"
#: The target of a transition that ends a branch of a parallel state.
JOIN = "@join"


def humanize(name: str) -> str:
    """A label made from a name: ``credit_limit`` -> ``Credit limit``."""
    text = name.strip("_").replace("_", " ")
    return text[:1].upper() + text[1:]


def text_of(label: Label | None, name: str, lang: str, names: Mapping[str, str]) -> str:
    """A state's or transition's text: its label in ``lang``; without a label written in
    the metadata (the loader's fallback is the name made readable), ``names``
    (translations of common names), else the name made readable."""
    if label is None or dict(label.texts) in ({"": name}, {"": humanize(name)}):
        return names.get(name) or humanize(name)
    return label.text(lang)


@dataclass(frozen=True)
class Label:
    """A text in several languages; ``text(lang)`` picks the best one."""

    texts: Mapping[str, str]

    @classmethod
    def of(cls, value: str | Mapping[str, str] | None, fallback: str = "") -> Label:
        if value is None:
            return cls(MappingProxyType({"": fallback}))
        if isinstance(value, str):
            return cls(MappingProxyType({"": value}))
        return cls(MappingProxyType(dict(value)))

    def names_only(self, name: str) -> bool:
        """Whether this is no written label, only ``name`` (made readable)."""
        text = self.texts.get("")
        return len(self.texts) == 1 and text is not None and (
            text == name or text == humanize(name)
        )

    def text(self, lang: str | None = None) -> str:
        texts = self.texts
        if lang:
            if lang in texts:
                return texts[lang]
            prefix = lang.split("-")[0]
            for tag, text in texts.items():
                if tag.split("-")[0] == prefix:
                    return text
        for tag in ("", "en", DEFAULT_LANGUAGE):
            if tag in texts:
                return texts[tag]
        return next(iter(texts.values()), "")

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Option:
    value: str
    label: Label
    color: str | None = None
    #: Not offered any more (forms, filters); values already saved still show.
    hidden: bool = False


@dataclass(frozen=True)
class Field:
    """One field of an entity (or a column of a ``table`` field)."""

    name: str
    type: str
    label: Label
    help: Label | None = None
    required: bool = False
    unique: bool = False
    index: bool = False
    default: Any = None
    default_expr: str | None = None
    compute: str | None = None
    visible_if: str | None = None
    required_if: str | None = None
    readonly_if: str | None = None
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[Option, ...] = ()
    to: str | None = None  # qualified target entity "app.entity" for links
    fetch: str | None = None  # "link_field.target_field"
    #: Which records of ``to`` a link may name: "readable" (by the user saving) or "all".
    link_scope: str = "readable"
    read_roles: tuple[str, ...] | None = None
    write_roles: tuple[str, ...] | None = None
    renamed_from: str | None = None
    precision: int | None = None
    scale: int | None = None
    fields: tuple[Field, ...] = ()  # columns of a table field
    min_rows: int | None = None
    max_rows: int | None = None
    #: The field's document as written, for plugin field types that read extra keys.
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    @property
    def is_table(self) -> bool:
        return self.type == "table"

    @cached_property  # asked for every value parsed
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def offered_options(self, current: Any = None) -> tuple[Option, ...]:
        """The options a form or filter offers: all but the hidden ones, except those
        in ``current`` (a value or a list of values the record already holds)."""
        held = set(current) if isinstance(current, list | tuple) else {current}
        return tuple(o for o in self.options if not o.hidden or o.value in held)

    def column(self, name: str) -> Field | None:
        """The column ``name`` of a table field."""
        return next((f for f in self.fields if f.name == name), None)

    def label_text(self, lang: str | None) -> str:
        """The label in ``lang``; a field without a label shows its name made readable."""
        if self.label.texts.get("") == self.name:
            return self.name.replace("_", " ").capitalize()
        return self.label.text(lang)


@dataclass(frozen=True)
class Rule:
    check: str
    message: Label


@dataclass(frozen=True)
class FormSection:
    label: Label
    fields: tuple[str, ...]
    columns: int = 1


@dataclass(frozen=True)
class ListView:
    columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    sort: str = "-_created_at"
    #: Records per page of the list page (None: the platform's default).
    page_size: int | None = None


@dataclass(frozen=True)
class Permission:
    """One role's grant on an entity.  Scopes are ``"all"``, ``"department"``,
    ``"own"`` or ``None`` (no access); ``create``/``export``/``import_`` are flags."""

    role: str
    create: bool = False
    read: str | None = None
    update: str | None = None
    delete: str | None = None
    export: bool = False
    import_: bool = False


@dataclass(frozen=True)
class Entity:
    app: str
    name: str
    label: Label
    fields: tuple[Field, ...]
    numbering: str | None = None
    title: str | None = None
    rules: tuple[Rule, ...] = ()
    form: tuple[FormSection, ...] = ()
    list: ListView | None = None
    permissions: tuple[Permission, ...] = ()
    process: str | None = None
    #: Composite indexes the entity declares: key lists like ``("status", "-amount")``.
    indexes: tuple[tuple[str, ...], ...] = ()
    #: The document's file, for error messages.
    source: str = ""

    @property
    def qualified_name(self) -> str:
        return f"{self.app}.{self.name}"

    def field(self, name: str) -> Field | None:
        return self._fields_by_name.get(name)

    @cached_property
    def _fields_by_name(self) -> Mapping[str, Field]:
        return MappingProxyType({f.name: f for f in self.fields})

    @cached_property  # asked on every save and read: computed once per entity
    def table_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_table)

    @cached_property
    def scalar_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.is_table)


#: The keys of an assignee rule that say whom it names (exactly one per rule).
ASSIGNEE_KINDS = ("role", "user", "field", "manager_of", "department_head", "managers_of")


@dataclass(frozen=True)
class Assignee:
    """An assignee rule: ``kind`` is one of :data:`ASSIGNEE_KINDS`.  A ``managers_of``
    rule (the manager chain, 逐级审批) stops after ``levels`` levels, or at the first
    manager ``until`` names: ``("role", R)`` or ``("department_head", "")``.  A rule with
    ``when`` names people only while that expression holds for the record."""

    kind: str
    value: str
    levels: int | None = None
    until: tuple[str, str] | None = None
    when: str | None = None


def assignee_rules(docs: Iterable[Mapping[str, Any]] | None) -> tuple[Assignee, ...]:
    """The rules of a list of assignee rule documents (already validated)."""
    rules = []
    for doc in docs or ():
        kind = next(key for key in ASSIGNEE_KINDS if key in doc)
        until = doc.get("until")
        if isinstance(until, Mapping):
            until = ("role", until["role"])
        elif until is not None:
            until = (until, "")
        rules.append(Assignee(kind, doc[kind], levels=doc.get("levels"), until=until,
                              when=doc.get("when")))
    return tuple(rules)


@dataclass(frozen=True)
class Approval:
    mode: str = "any"  # any | all | sequential
    action: str | None = None
    quorum: int | str | None = None


@dataclass(frozen=True)
class Sla:
    due: str | None = None
    remind: str | None = None
    on_breach: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Branch:
    """One branch of a parallel state: a sequence of ``steps`` (states) run beside the
    other branches; it starts at its first step when ``when`` holds (or always)."""

    name: str
    label: Label
    steps: tuple[str, ...]
    when: str | None = None

    @property
    def start(self) -> str:
        return self.steps[0]


@dataclass(frozen=True)
class Parallel:
    """A parallel state's branches and how they join again.

    ``join``: "all" (every branch that started has ended), "any" (the first to reach the
    join) or the count of branches that must reach it first.  ``on_reject``: "all" (a
    rejection in a branch ends the whole record) or "branch" (only that branch)."""

    branches: tuple[Branch, ...]
    join: str | int = "all"
    on_reject: str = "all"

    def branch(self, name: str) -> Branch | None:
        return next((b for b in self.branches if b.name == name), None)


@dataclass(frozen=True)
class ApproverRules:
    """What a step does when an approver is a requester, approved earlier in the round,
    or when its rules name nobody (审批人去重, 审批人为空); None: as the process (or the
    default: ``exclude``, ``keep``, ``admin``)."""

    requester: str | None = None  # exclude | approve | skip | manager | admin
    repeated: str | None = None  # keep | approve | skip
    empty: str | None = None  # admin | approve | manager

    def over(self, base: ApproverRules) -> ApproverRules:
        """These rules, the unset ones taken from ``base``."""
        return ApproverRules(self.requester or base.requester, self.repeated or base.repeated,
                             self.empty or base.empty)


#: The choices that keep a process as it was before approver rules.
DEFAULT_APPROVER_RULES = ApproverRules("exclude", "keep", "admin")


@dataclass(frozen=True)
class State:
    name: str
    label: Label
    assignees: tuple[Assignee, ...] = ()
    approval: Approval = Approval()
    editable: tuple[str, ...] = ()  # ("*",) for every field
    #: Fields the state's actors do not see while the record is in it (隐藏).
    hidden: tuple[str, ...] = ()
    final: bool = False
    sla: Sla | None = None
    cc: tuple[Assignee, ...] = ()
    outcome: str | None = None  # a final state's: "approved" | "rejected" | "cancelled"
    #: Overrides the process's ``allow_self_approval`` for this step (None: as the process).
    allow_self_approval: bool | None = None
    color: str | None = None  # the badge colour; None: chosen from the state's place
    #: A parallel state (并行分支) forks into branches; None for a plain step.
    parallel: Parallel | None = None
    approver_rules: ApproverRules = ApproverRules()


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    to: str  # a state name, "@previous" or "@join" (the branch is done)
    label: Label
    by: str | tuple[Assignee, ...] | None = None  # None: the state's assignees
    when: str | None = None
    required: tuple[str, ...] = ()
    set: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    comment: str | None = None  # "required" | "optional" | None


@dataclass(frozen=True)
class Process:
    app: str
    name: str
    entity: str  # qualified entity name
    start: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    label: Label
    withdraw: bool = False
    cancel: bool = False
    #: Whether a requester may hold an approval task on their own request.
    allow_self_approval: bool = False
    #: Fields naming the people a request is for; with the creator, its requesters.
    requester_fields: tuple[str, ...] = ()
    source: str = ""
    #: Roles that see the process's figures, besides admins and department heads.
    managers: tuple[str, ...] = ()
    approver_rules: ApproverRules = ApproverRules()

    @property
    def qualified_name(self) -> str:
        return f"{self.app}.{self.name}"

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name == name), None)

    @property
    def set_fields(self) -> frozenset[str]:
        """The fields the process itself fills (a transition's ``set``)."""
        return frozenset(name for t in self.transitions for name in t.set)

    @cached_property
    def _branches_by_step(self) -> Mapping[str, tuple[State, Branch]]:
        return MappingProxyType({
            step: (state, branch)
            for state in self.states if state.parallel is not None
            for branch in state.parallel.branches for step in branch.steps
        })

    def branch_of(self, step: str) -> tuple[State, Branch] | None:
        """The parallel state and branch a step belongs to; None for a main-line state."""
        return self._branches_by_step.get(step)
    def approver_choices(self, state: State | None) -> ApproverRules:
        """The approver rules of ``state``: its own, else the process's, else the
        defaults."""
        rules = self.approver_rules.over(DEFAULT_APPROVER_RULES)
        return state.approver_rules.over(rules) if state is not None else rules

    def allows_self_approval(self, state: State | None) -> bool:
        """Whether a requester may hold a task of ``state`` (the state's setting, else
        the process's)."""
        if state is not None and state.allow_self_approval is not None:
            return state.allow_self_approval
        return self.allow_self_approval


@dataclass(frozen=True)
class Role:
    name: str
    label: Label


@dataclass(frozen=True)
class App:
    name: str
    label: Label
    roles: tuple[Role, ...] = ()
    menu: tuple[str, ...] = ()
    #: Plugins whose hooks run for this app's records.
    plugins: tuple[str, ...] = ()
    entities: Mapping[str, Entity] = field(default_factory=lambda: MappingProxyType({}))
    processes: Mapping[str, Process] = field(default_factory=lambda: MappingProxyType({}))
    automations: tuple[Automation, ...] = ()
    dashboards: Mapping[str, Dashboard] = field(default_factory=lambda: MappingProxyType({}))
    path: str = ""
    #: The app's documents as written ({"app.json": {...}, "entities/x.json": {...}}),
    #: kept so a published version can be stored and compared.
    documents: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )


@dataclass(frozen=True)
class Model:
    """Every loaded app; the single object the runtime hands around."""

    apps: Mapping[str, App]

    def entity(self, qualified_name: str) -> Entity | None:
        app_name, _, entity_name = qualified_name.partition(".")
        app = self.apps.get(app_name)
        return app.entities.get(entity_name) if app else None

    def entities(self) -> list[Entity]:
        return [e for app in self.apps.values() for e in app.entities.values()]

    def automations(self) -> list[Automation]:
        return [a for app in self.apps.values() for a in app.automations]

    def process_for(self, entity: Entity) -> Process | None:
        if not entity.process:
            return None
        app = self.apps.get(entity.app)
        return app.processes.get(entity.process) if app else None

    @property
    def roles(self) -> frozenset[str]:
        names = {"admin", "designer", "user"}
        for app in self.apps.values():
            names.update(role.name for role in app.roles)
        return frozenset(names)
