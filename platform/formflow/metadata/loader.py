"""Load app folders into the immutable :class:`Model`.

An app folder holds ``app.json``, ``entities/*.json``, ``processes/*.json`` and
``dashboards/*.json`` (``fixtures/`` are read by other parts).  Loading reads every
document, reports JSON syntax errors and schema problems, checks that names match
file names and that app names are unique, builds the model from the documents that
are valid, then runs the semantic checker (which asks the field-type registry it is
given: by default the built-in types).  Every problem is collected before anything is
raised, so one ``formflow check`` run shows all of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from formflow.fields import FieldType, builtin_registry
from formflow.metadata import checker
from formflow.metadata.automations import build_automations
from formflow.metadata.building import build_dashboard, build_entity, build_process, label_of
from formflow.metadata.model import App, Model, Role, humanize
from formflow.metadata.problems import MetadataError, Problem
from formflow.metadata.schema import validate_document
from formflow.metadata.site_cache import DocumentCache, validate_fieldwise
from formflow.metadata.site_names import site_names_in_files

__all__ = ["build_process", "check_site_app", "collect_problems", "find_app_folders",
           "humanize", "load"]

APP_FILE = "app.json"
#: Sub-folders holding one document per file, and the kind of document each holds.
DOCUMENT_FOLDERS = {"entities": "entity", "processes": "process", "dashboards": "dashboard"}


def find_app_folders(path: str | Path) -> list[Path]:
    """``path`` itself when it is an app folder (it has ``app.json``), else the app
    folders directly inside it, sorted by name."""
    path = Path(path)
    if (path / APP_FILE).is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(child for child in path.iterdir() if (child / APP_FILE).is_file())


#: Site apps: app name -> its documents keyed like the files of an app folder
#: (``app.json``, ``entities/<e>.json``, ``processes/<p>.json``).
SiteApps = Mapping[str, Mapping[str, Any]]
#: Called with each file app's name and documents; returns the documents to load (the
#: shipped documents with the site's overlay, say).
Adjust = Callable[[str, dict[str, Any]], Mapping[str, Any]]
#: Checks a document of a kind against its schema: ``validate(kind, document, file)``.
Validate = Callable[[str, Any, str], list[Problem]]


def load(
    paths: Iterable[str | Path],
    *,
    field_types: Mapping[str, FieldType] | None = None,
    functions: Collection[str] = (),
    site_apps: SiteApps | None = None,
    adjust: Adjust | None = None,
    validate: Validate = validate_document,
) -> Model:
    """The model of every app found under ``paths`` and of the ``site_apps`` (apps kept
    in the database); raises :class:`MetadataError` listing every problem when anything
    is wrong (warnings alone do not stop it).  ``validate`` checks the files' documents
    against the schemas (:class:`~formflow.metadata.valid_documents.ValidDocuments`
    skips those known to be valid)."""
    model, problems = _load(paths, field_types=field_types, functions=functions,
                            site_apps=site_apps or {}, adjust=adjust, validate=validate)
    if any(not p.is_warning for p in problems):
        raise MetadataError([p for p in problems if not p.is_warning])
    return model


def collect_problems(
    paths: Iterable[str | Path],
    *,
    field_types: Mapping[str, FieldType] | None = None,
    functions: Collection[str] = (),
    warnings: bool = False,
    site_apps: SiteApps | None = None,
    adjust: Adjust | None = None,
) -> list[Problem]:
    """Every problem in the apps under ``paths`` and the ``site_apps``, sorted; never
    raises (for ``formflow check``).  Warnings are left out unless ``warnings`` is true."""
    _, problems = _load(paths, field_types=field_types, functions=functions,
                        site_apps=site_apps or {}, adjust=adjust)
    return sorted(p for p in problems if warnings or not p.is_warning)


def _load(
    paths: Iterable[str | Path],
    *,
    field_types: Mapping[str, FieldType] | None,
    functions: Collection[str],
    site_apps: SiteApps,
    adjust: Adjust | None = None,
    validate: Validate = validate_document,
) -> tuple[Model, list[Problem]]:
    if isinstance(paths, str | Path):
        paths = [paths]
    problems: list[Problem] = []
    apps: dict[str, App] = {}
    app_files: dict[str, str] = {}
    broken: set[str] = set()
    found: list[tuple[str, _AppDocuments]] = []  # (folder, documents) of every app
    for root in paths:
        if not Path(root).is_dir():
            problems.append(Problem(str(root), "", "no such folder"))
            continue
        root = Path(root).resolve()
        base = root.parent if (root / APP_FILE).is_file() else root
        for folder in find_app_folders(root):
            documents = _read_app(folder, base, problems, validate)
            problems += site_names_in_files(documents.documents, documents.file)
            if adjust is not None and documents.app is not None:
                documents = _adjusted(documents, adjust, problems)
            found.append((str(folder), documents))
    for name, site_documents in sorted(site_apps.items()):
        found.append(("", _site_app(name, site_documents, problems)))
    for folder, documents in found:
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
            field_types=builtin_registry() if field_types is None else field_types,
            functions=functions,
            broken=broken,
            warnings=True,
        )
    )
    return model, problems


def _adjusted(docs: _AppDocuments, adjust: Adjust, problems: list[Problem]
              ) -> _AppDocuments:
    """A file app's documents as ``adjust`` makes them, checked like a site app's."""
    effective = adjust(docs.app_name, dict(docs.documents))
    if effective == docs.documents:
        return docs
    adjusted = _site_app(docs.app_name, effective, problems)
    adjusted.prefix = docs.prefix
    adjusted.broken |= docs.broken
    return adjusted


def check_site_app(
    model: Model,
    name: str,
    documents: Mapping[str, Any],
    *,
    field_types: Mapping[str, FieldType],
    functions: Collection[str] = (),
    cache: DocumentCache | None = None,
) -> tuple[Model, list[Problem]]:
    """``model`` with the app ``name`` made of ``documents`` (a draft, say) in place of the
    app of that name, and every problem of that app (warnings too), sorted.  Only that
    app is checked: the others are ``model``'s, known good.  ``cache`` remembers what
    the documents that did not change since the last check gave."""
    problems: list[Problem] = []
    cache = cache or DocumentCache()
    docs = _site_app(name, documents, problems, cache.validate)
    apps = {key: app for key, app in model.apps.items() if key != name}
    if docs.app is not None:
        apps[name] = _build_app("", docs, cache)
    candidate = Model(apps=MappingProxyType(apps))
    problems += checker.check(candidate, field_types=field_types, functions=functions,
                              broken=docs.broken, warnings=True, only={name},
                              memo=cache.checked)
    built = candidate.apps.get(name)
    cache.keep_only(list(documents.values()), list(built.entities.values()) if built else [])
    return candidate, sorted(problems)


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


def _read_app(folder: Path, base: Path, problems: list[Problem], validate: Validate
              ) -> _AppDocuments:
    docs = _AppDocuments(prefix=folder.relative_to(base).as_posix(), app_name=folder.name)
    app = _read_document(folder / APP_FILE, "app", docs.file(APP_FILE), problems, validate)
    if app is None:
        docs.broken.add(folder.name)
    else:
        docs.app = app
        docs.app_name = app["name"]
        docs.documents[APP_FILE] = app
    for sub, kind in DOCUMENT_FOLDERS.items():
        for path in sorted((folder / sub).glob("*.json")):
            relative = f"{sub}/{path.name}"
            document = _read_document(path, kind, docs.file(relative), problems, validate)
            _add_document(docs, relative, kind, document, problems)
    return docs


def _site_app(
    name: str, documents: Mapping[str, Any], problems: list[Problem], validate=validate_fieldwise
) -> _AppDocuments:
    """The valid documents of a site app (kept in the database); problems name its files
    as if it were a folder ``<name>/``."""
    docs = _AppDocuments(prefix=name, app_name=name)
    app = documents.get(APP_FILE)
    found = validate("app", app, docs.file(APP_FILE))
    if app is not None and not found and app["name"] != name:
        found = [Problem(docs.file(APP_FILE), "name", f"name must be the app's name {name!r}")]
    problems.extend(found)
    if found:
        docs.broken.add(name)
    else:
        docs.app = app
        docs.documents[APP_FILE] = app
    for relative, document in sorted(documents.items()):
        sub, _, file = relative.partition("/")
        if relative == APP_FILE:
            continue
        if sub not in DOCUMENT_FOLDERS or not file.endswith(".json") or "/" in file:
            problems.append(Problem(docs.file(relative), "", "not a document of an app"))
            continue
        kind = DOCUMENT_FOLDERS[sub]
        found = validate(kind, document, docs.file(relative))
        problems.extend(found)
        _add_document(docs, relative, kind, None if found else document, problems)
    return docs


def _add_document(
    docs: _AppDocuments, relative: str, kind: str, document: Any, problems: list[Problem]
) -> None:
    """Keep a valid ``document`` unless its name is not its file's; mark it broken when
    it is invalid (None)."""
    stem = relative.partition("/")[2].removesuffix(".json")
    if document is not None and document.get("name") != stem:
        problems.append(
            Problem(docs.file(relative), "name", f"name must equal the file name {stem!r}")
        )
        document = None
    if document is None:
        docs.broken.add(f"{docs.app_name}.{stem}")
        return
    docs.documents[relative] = document
    target = {"entity": docs.entities, "process": docs.processes,
              "dashboard": docs.dashboards}[kind]
    target[stem] = document


def _read_document(
    path: Path, kind: str, file: str, problems: list[Problem], validate: Validate
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
    found = validate(kind, document, file)
    problems.extend(found)
    return None if found else document


# -- building -----------------------------------------------------------------------


def _build_app(folder: str, docs: _AppDocuments, cache: DocumentCache | None = None) -> App:
    """``folder``: the app's folder, empty for a site app."""
    document = docs.app or {}
    name = docs.app_name

    def built(what: str, doc: Any, build):
        return build() if cache is None else cache.get(what, doc, build)

    entities = {
        entity_name: built(f"entity:{name}", doc, lambda n=entity_name, d=doc: build_entity(
            name, d, docs.file(f"entities/{n}.json")))
        for entity_name, doc in docs.entities.items()
    }
    processes = {
        process_name: built(f"process:{name}", doc, lambda n=process_name, d=doc: build_process(
            name, d, docs.file(f"processes/{n}.json")))
        for process_name, doc in docs.processes.items()
    }
    return App(
        name=name,
        label=label_of(document.get("label"), name),
        roles=tuple(
            Role(role["name"], label_of(role.get("label"), role["name"]))
            for role in document.get("roles", ())
        ),
        menu=tuple(document.get("menu", ())),
        plugins=tuple(document.get("plugins", ())),
        entities=MappingProxyType(entities),
        processes=MappingProxyType(processes),
        automations=build_automations(name, document.get("automations", ())),
        dashboards=MappingProxyType({
            n: build_dashboard(name, d, docs.file(f"dashboards/{n}.json"))
            for n, d in docs.dashboards.items()}),
        path=folder,
        documents=MappingProxyType(dict(docs.documents)),
    )

