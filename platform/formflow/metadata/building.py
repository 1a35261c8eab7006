"""Building the immutable model objects from valid metadata documents."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from formflow.metadata.dashboard_model import Dashboard, Widget
from formflow.metadata.model import (
    Approval,
    ApproverRules,
    Branch,
    Entity,
    Field,
    FormSection,
    Label,
    ListView,
    Option,
    Parallel,
    Permission,
    Process,
    Rule,
    Sla,
    State,
    Transition,
    assignee_rules,
    humanize,
)

#: How many fields a default list shows besides the number and the title.
DEFAULT_LIST_FIELDS = 4


def label_of(value: Any, name: str) -> Label:
    return Label.of(value, fallback=humanize(name))


def _optional_label(value: Any) -> Label | None:
    return None if value is None else Label.of(value)


def _qualify(app: str, name: str) -> str:
    return name if "." in name else f"{app}.{name}"


def build_entity(app: str, doc: Mapping[str, Any], source: str) -> Entity:
    name = doc["name"]
    label = label_of(doc.get("label"), name)
    fields = tuple(_build_field(app, f) for f in doc["fields"])
    numbering = doc.get("numbering")
    form = doc.get("form")
    if form is None:
        sections = (FormSection(label=label, fields=tuple(f.name for f in fields)),)
    else:
        sections = tuple(
            FormSection(
                label=Label.of(section.get("label"), fallback=""),
                fields=tuple(section["fields"]),
                columns=section.get("columns", 1),
            )
            for section in form["sections"]
        )
    return Entity(
        app=app,
        name=name,
        label=label,
        fields=fields,
        numbering=numbering,
        title=doc.get("title"),
        rules=tuple(
            Rule(rule["check"], Label.of(rule.get("message"), fallback=rule["check"]))
            for rule in doc.get("rules", ())
        ),
        form=sections,
        list=_build_list(doc.get("list"), fields, numbering),
        permissions=tuple(_build_permission(p) for p in doc.get("permissions", ())),
        process=doc.get("process"),
        indexes=tuple(tuple(keys) for keys in doc.get("indexes", ())),
        source=source,
    )


def _build_list(
    doc: Mapping[str, Any] | None, fields: tuple[Field, ...], numbering: str | None
) -> ListView:
    if doc is None:
        scalar = [f.name for f in fields if not f.is_table][:DEFAULT_LIST_FIELDS]
        first = "_number" if numbering else "id"
        return ListView(columns=(first, "_title", *scalar))
    default = ListView(columns=())
    return ListView(
        columns=tuple(doc.get("columns", ())),
        filters=tuple(doc.get("filters", ())),
        search=tuple(doc.get("search", ())),
        sort=doc.get("sort", default.sort),
        page_size=doc.get("page_size"),
    )


def _scope(value: str | bool | None) -> str | None:
    if value is True:
        return "all"
    if value is False or value is None:
        return None
    return value


def _build_permission(doc: Mapping[str, Any]) -> Permission:
    return Permission(
        role=doc["role"],
        create=doc.get("create", False),
        read=_scope(doc.get("read")),
        update=_scope(doc.get("update")),
        delete=_scope(doc.get("delete")),
        export=doc.get("export", False),
        import_=doc.get("import", False),
    )


def _build_option(value: str | Mapping[str, Any]) -> Option:
    if isinstance(value, str):
        return Option(value=value, label=Label.of(value))
    return Option(
        value=value["value"],
        label=Label.of(value.get("label"), fallback=value["value"]),
        color=value.get("color"),
        hidden=value.get("hidden", False),
    )


def _roles(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _build_field(app: str, doc: Mapping[str, Any]) -> Field:
    name = doc["name"]
    to = doc.get("to")
    return Field(
        name=name,
        type=doc["type"],
        label=label_of(doc.get("label"), name),
        help=_optional_label(doc.get("help")),
        required=doc.get("required", False),
        unique=doc.get("unique", False),
        index=doc.get("index", False),
        default=doc.get("default"),
        default_expr=doc.get("default_expr"),
        compute=doc.get("compute"),
        visible_if=doc.get("visible_if"),
        required_if=doc.get("required_if"),
        readonly_if=doc.get("readonly_if"),
        min=doc.get("min"),
        max=doc.get("max"),
        min_length=doc.get("min_length"),
        max_length=doc.get("max_length"),
        pattern=doc.get("pattern"),
        options=tuple(_build_option(o) for o in doc.get("options", ())),
        to=None if to is None else _qualify(app, to),
        fetch=doc.get("fetch"),
        link_scope=doc.get("link_scope", "readable"),
        read_roles=_roles(doc.get("read_roles")),
        write_roles=_roles(doc.get("write_roles")),
        renamed_from=doc.get("renamed_from"),
        precision=doc.get("precision"),
        scale=doc.get("scale"),
        fields=tuple(_build_field(app, column) for column in doc.get("fields", ())),
        min_rows=doc.get("min_rows"),
        max_rows=doc.get("max_rows"),
        raw=MappingProxyType(dict(doc)),
    )



def _build_state(doc: Mapping[str, Any]) -> State:
    name = doc["name"]
    approval = doc.get("approval")
    if approval is None or approval == "any":
        approval = Approval("any")
    else:
        approval = Approval(approval["mode"], approval.get("action"), approval.get("quorum"))
    editable = doc.get("editable", ())
    sla = doc.get("sla")
    return State(
        name=name,
        label=label_of(doc.get("label"), name),
        assignees=assignee_rules(doc.get("assignees")),
        approval=approval,
        editable=("*",) if editable == "*" else tuple(editable),
        hidden=tuple(doc.get("hidden", ())),
        final=doc.get("final", False),
        allow_self_approval=doc.get("allow_self_approval"),
        color=doc.get("color"),
        sla=None
        if sla is None
        else Sla(
            due=sla.get("due"),
            remind=sla.get("remind"),
            on_breach=None
            if sla.get("on_breach") is None
            else MappingProxyType(dict(sla["on_breach"])),
        ),
        cc=assignee_rules(doc.get("cc")),
        outcome=doc.get("outcome"),
        parallel=_build_parallel(doc.get("parallel")),
        approver_rules=_approver_rules(doc.get("approver_rules")),
    )


def _build_parallel(doc: Mapping[str, Any] | None) -> Parallel | None:
    if doc is None:
        return None
    join = doc.get("join", "all")
    return Parallel(
        branches=tuple(
            Branch(name=b["name"], label=label_of(b.get("label"), b["name"]),
                   steps=tuple(b["steps"]), when=b.get("when"))
            for b in doc["branches"]
        ),
        join=join["first"] if isinstance(join, Mapping) else join,
        on_reject=doc.get("on_reject", "all"),
    )


def _build_transition(doc: Mapping[str, Any]) -> Transition:
    name = doc["name"]
    sources = doc["from"]
    by = doc.get("by")
    return Transition(
        name=name,
        sources=(sources,) if isinstance(sources, str) else tuple(sources),
        to=doc["to"],
        label=label_of(doc.get("label"), name),
        by=by if by is None or isinstance(by, str) else assignee_rules(by),
        when=doc.get("when"),
        required=tuple(doc.get("required", ())),
        set=MappingProxyType(dict(doc.get("set", {}))),
        comment=doc.get("comment"),
    )


def build_process(app: str, doc: Mapping[str, Any], source: str = "") -> Process:
    """The model of a process document already validated (a stored version, say)."""
    name = doc["name"]
    return Process(
        app=app,
        name=name,
        entity=_qualify(app, doc["entity"]),
        start=doc["start"],
        states=tuple(_build_state(s) for s in doc["states"]),
        transitions=tuple(_build_transition(t) for t in doc["transitions"]),
        label=label_of(doc.get("label"), name),
        withdraw=doc.get("withdraw", False),
        cancel=doc.get("cancel", False),
        allow_self_approval=doc.get("allow_self_approval", False),
        requester_fields=tuple(doc.get("requester_fields", ())),
        source=source,
        managers=tuple(doc.get("managers", ())),
        approver_rules=_approver_rules(doc.get("approver_rules")),
    )


def _approver_rules(doc: Mapping[str, str] | None) -> ApproverRules:
    doc = doc or {}
    return ApproverRules(doc.get("requester"), doc.get("repeated"), doc.get("empty"))


def build_dashboard(app: str, doc: Mapping[str, Any], source: str) -> Dashboard:
    widgets = tuple(
        Widget(
            name=w["name"], label=label_of(w.get("label"), w["name"]), type=w["type"],
            entity=_qualify(app, w["entity"]), aggregate=w.get("aggregate", "count"),
            measure=w.get("field"), group_by=w.get("group_by"), bucket=w.get("bucket"),
            where=MappingProxyType(dict(w.get("where", {}))),
            columns=tuple(w.get("columns", ())), sort=w.get("sort"), limit=w.get("limit", 10),
        )
        for w in doc["widgets"]
    )
    return Dashboard(name=doc["name"], label=label_of(doc.get("label"), doc["name"]), app=app,
                     widgets=widgets, roles=tuple(doc.get("roles", ())),
                     filters=tuple(doc.get("filters", ())),
                     description=_optional_label(doc.get("description")), source=source)
