"""Load app folders into the immutable :class:`Model`.

An app folder holds ``app.json``, ``entities/*.json``, ``processes/*.json`` and
``dashboards/*.json`` (``fixtures/`` are read by other parts).  Loading reads every
document, reports JSON syntax errors and schema problems, checks that names match
file names and that app names are unique, builds the model from the documents that
are valid, then runs the semantic checker.  Every problem is collected before
anything is raised, so one ``formflow check`` run shows all of them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from formflow.metadata import checker
from formflow.metadata.model import (
    App,
    Approval,
    Assignee,
    Dashboard,
    Entity,
    Field,
    FormSection,
    Label,
    ListView,
    Model,
    Option,
    Permission,
    Process,
    Role,
    Rule,
    Sla,
    State,
    Transition,
    Widget,
    humanize,
)
from formflow.metadata.problems import MetadataError, Problem
from formflow.metadata.schema import validate_document

APP_FILE = "app.json"
#: Sub-folders holding one document per file, and the kind of document each holds.
DOCUMENT_FOLDERS = {"entities": "entity", "processes": "process", "dashboards": "dashboard"}
#: How many fields a default list shows besides the number and the title.
DEFAULT_LIST_FIELDS = 4


def find_app_folders(path: str | Path) -> list[Path]:
    """``path`` itself when it is an app folder (it has ``app.json``), else the app
    folders directly inside it, sorted by name."""
    path = Path(path)
    if (path / APP_FILE).is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(child for child in path.iterdir() if (child / APP_FILE).is_file())


def load(
    paths: Iterable[str | Path],
    *,
    field_types: Collection[str] | None = None,
    functions: Collection[str] = (),
) -> Model:
    """The model of every app found under ``paths``; raises :class:`MetadataError`
    listing every problem when anything is wrong (warnings alone do not stop it)."""
    model, problems = _load(paths, field_types=field_types, functions=functions)
    if any(not p.is_warning for p in problems):
        raise MetadataError([p for p in problems if not p.is_warning])
    return model


def collect_problems(
    paths: Iterable[str | Path],
    *,
    field_types: Collection[str] | None = None,
    functions: Collection[str] = (),
    warnings: bool = False,
) -> list[Problem]:
    """Every problem in the apps under ``paths``, sorted; never raises (for ``formflow
    check``).  Warnings are left out unless ``warnings`` is true."""
    _, problems = _load(paths, field_types=field_types, functions=functions)
    return sorted(p for p in problems if warnings or not p.is_warning)


def _load(
    paths: Iterable[str | Path],
    *,
    field_types: Collection[str] | None,
    functions: Collection[str],
) -> tuple[Model, list[Problem]]:
    if isinstance(paths, str | Path):
        paths = [paths]
    problems: list[Problem] = []
    apps: dict[str, App] = {}
    app_files: dict[str, str] = {}
    broken: set[str] = set()
    for root in paths:
        if not Path(root).is_dir():
            problems.append(Problem(str(root), "", "no such folder"))
            continue
        root = Path(root).resolve()
        base = root.parent if (root / APP_FILE).is_file() else root
        for folder in find_app_folders(root):
            documents = _read_app(folder, base, problems)
            broken.update(documents.broken)
            if documents.app is None:
                continue
            name = documents.app_name
            if name in app_files:
                problems.append(
                    Problem(
                        documents.file(APP_FILE),
                        "name",
                        f"duplicate app name {name!r} (also in {app_files[name]})",
                    )
                )
                continue
            app_files[name] = documents.file(APP_FILE)
            apps[name] = _build_app(folder, documents)
    model = Model(apps=MappingProxyType(apps))
    problems.extend(
        checker.check(
            model,
            field_types=checker.DEFAULT_FIELD_TYPES if field_types is None else field_types,
            functions=functions,
            broken=broken,
            warnings=True,
        )
    )
    return model, problems


# -- reading ------------------------------------------------------------------------


@dataclass
class _AppDocuments:
    """The valid documents of one app folder, keyed by path relative to the folder."""

    prefix: str  # the folder's path relative to the folder given, for problem file names
    #: From app.json; the folder name when app.json is invalid.
    app_name: str
    app: dict[str, Any] | None = None
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    processes: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    #: Qualified names ("app", "app.entity", "app.process") whose documents are invalid.
    broken: set[str] = field(default_factory=set)

    def file(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative


def _read_app(folder: Path, base: Path, problems: list[Problem]) -> _AppDocuments:
    docs = _AppDocuments(prefix=folder.relative_to(base).as_posix(), app_name=folder.name)
    app = _read_document(folder / APP_FILE, "app", docs.file(APP_FILE), problems)
    if app is None:
        docs.broken.add(folder.name)
    else:
        docs.app = app
        docs.app_name = app["name"]
        docs.documents[APP_FILE] = app
    for sub, kind in DOCUMENT_FOLDERS.items():
        for path in sorted((folder / sub).glob("*.json")):
            relative = f"{sub}/{path.name}"
            document = _read_document(path, kind, docs.file(relative), problems)
            if document is not None and document.get("name") != path.stem:
                problems.append(
                    Problem(
                        docs.file(relative),
                        "name",
                        f"name must equal the file name {path.stem!r}",
                    )
                )
                document = None
            if document is None:
                docs.broken.add(f"{docs.app_name}.{path.stem}")
                continue
            docs.documents[relative] = document
            target = {"entity": docs.entities, "process": docs.processes,
                      "dashboard": docs.dashboards}[kind]
            target[path.stem] = document
    return docs


def _read_document(
    path: Path, kind: str, file: str, problems: list[Problem]
) -> dict[str, Any] | None:
    """The parsed document, or None (with problems added) when it is not valid."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        problems.append(Problem(file, "", f"cannot read the file: {error.strerror or error}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(file, "", "the file is not UTF-8 text"))
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(
            Problem(
                file,
                "",
                f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            )
        )
        return None
    found = validate_document(kind, document, file)
    problems.extend(found)
    return None if found else document


# -- building -----------------------------------------------------------------------


def _label(value: Any, name: str) -> Label:
    return Label.of(value, fallback=humanize(name))


def _optional_label(value: Any) -> Label | None:
    return None if value is None else Label.of(value)


def _qualify(app: str, name: str) -> str:
    return name if "." in name else f"{app}.{name}"


def _build_app(folder: Path, docs: _AppDocuments) -> App:
    document = docs.app or {}
    name = docs.app_name
    entities = {
        entity_name: _build_entity(name, doc, docs.file(f"entities/{entity_name}.json"))
        for entity_name, doc in docs.entities.items()
    }
    processes = {
        process_name: build_process(name, doc, docs.file(f"processes/{process_name}.json"))
        for process_name, doc in docs.processes.items()
    }
    return App(
        name=name,
        label=_label(document.get("label"), name),
        roles=tuple(
            Role(role["name"], _label(role.get("label"), role["name"]))
            for role in document.get("roles", ())
        ),
        menu=tuple(document.get("menu", ())),
        plugins=tuple(document.get("plugins", ())),
        entities=MappingProxyType(entities),
        processes=MappingProxyType(processes),
        dashboards=MappingProxyType({
            n: _build_dashboard(name, d, docs.file(f"dashboards/{n}.json"))
            for n, d in docs.dashboards.items()}),
        path=str(folder),
        documents=MappingProxyType(dict(docs.documents)),
    )


def _build_dashboard(app: str, doc: Mapping[str, Any], source: str) -> Dashboard:
    widgets = tuple(
        Widget(
            name=w["name"], label=_label(w.get("label"), w["name"]), type=w["type"],
            entity=_qualify(app, w["entity"]), aggregate=w.get("aggregate", "count"),
            measure=w.get("field"), group_by=w.get("group_by"), bucket=w.get("bucket"),
            where=MappingProxyType(dict(w.get("where", {}))),
            columns=tuple(w.get("columns", ())), sort=w.get("sort"), limit=w.get("limit", 10),
        )
        for w in doc["widgets"]
    )
    return Dashboard(name=doc["name"], label=_label(doc.get("label"), doc["name"]), app=app,
                     widgets=widgets, roles=tuple(doc.get("roles", ())),
                     filters=tuple(doc.get("filters", ())),
                     description=_optional_label(doc.get("description")), source=source)


def _build_entity(app: str, doc: Mapping[str, Any], source: str) -> Entity:
    name = doc["name"]
    label = _label(doc.get("label"), name)
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
    )


def _roles(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _build_field(app: str, doc: Mapping[str, Any]) -> Field:
    name = doc["name"]
    to = doc.get("to")
    return Field(
        name=name,
        type=doc["type"],
        label=_label(doc.get("label"), name),
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


def _assignees(docs: Iterable[Mapping[str, str]] | None) -> tuple[Assignee, ...]:
    return tuple(Assignee(kind, value) for doc in docs or () for kind, value in doc.items())


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
        label=_label(doc.get("label"), name),
        assignees=_assignees(doc.get("assignees")),
        approval=approval,
        editable=("*",) if editable == "*" else tuple(editable),
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
        cc=_assignees(doc.get("cc")),
        outcome=doc.get("outcome"),
    )


def _build_transition(doc: Mapping[str, Any]) -> Transition:
    name = doc["name"]
    sources = doc["from"]
    by = doc.get("by")
    return Transition(
        name=name,
        sources=(sources,) if isinstance(sources, str) else tuple(sources),
        to=doc["to"],
        label=_label(doc.get("label"), name),
        by=by if by is None or isinstance(by, str) else _assignees(by),
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
        label=_label(doc.get("label"), name),
        withdraw=doc.get("withdraw", False),
        cancel=doc.get("cancel", False),
        allow_self_approval=doc.get("allow_self_approval", False),
        requester_fields=tuple(doc.get("requester_fields", ())),
        source=source,
        managers=tuple(doc.get("managers", ())),
    )
