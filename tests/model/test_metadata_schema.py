"""The JSON Schemas of the metadata language and the wording of their problems."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from formflow.metadata.problems import Problem
from formflow.metadata.schema import SCHEMA_DIR, registry, schemas, validate_document

VALID = Path(__file__).parents[1] / "metadata" / "valid"
SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))
KIND_OF_FOLDER = {"entities": "entity", "processes": "process"}


def _subschemas(node, path=""):
    """Every (path, mapping) inside a schema document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _subschemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _subschemas(value, f"{path}/{i}")


def _valid_documents():
    for path in sorted(VALID.glob("*/app.json")):
        yield pytest.param("app", path, id=str(path.relative_to(VALID)))
    for folder, kind in KIND_OF_FOLDER.items():
        for path in sorted(VALID.glob(f"*/{folder}/*.json")):
            yield pytest.param(kind, path, id=str(path.relative_to(VALID)))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://formflow.dev/schema/{path.name}"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_object_schema_forbids_unknown_keys(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    for where, node in _subschemas(schema):
        if "properties" in node and not where.endswith("/properties"):
            assert node.get("additionalProperties") is False, where


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_resolves_without_network(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    resolver = registry().resolver(base_uri=schema["$id"])
    refs = [node["$ref"] for _, node in _subschemas(schema) if "$ref" in node]
    assert refs or path.name == "common.schema.json"
    for ref in refs:
        assert resolver.lookup(ref).contents is not None, ref


def test_schemas_are_loaded_once():
    assert schemas() is schemas()
    assert set(schemas()) == {"app", "common", "dashboard", "entity", "process"}


@pytest.mark.parametrize(("kind", "path"), list(_valid_documents()))
def test_scenario_document_is_valid(kind, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert validate_document(kind, document, path.name) == []


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown document kind"):
        validate_document("report", {}, "x.json")


ENTITY = {"name": "thing", "fields": [{"name": "title", "type": "text"}]}
PROCESS = {
    "name": "flow",
    "entity": "thing",
    "start": "a",
    "states": [{"name": "a"}, {"name": "b", "final": True}],
    "transitions": [{"name": "go", "from": "a", "to": "b"}],
}


def _entity(**changes):
    return {**ENTITY, **changes}


def _field(**keys):
    return _entity(fields=[{"name": "f", "type": "text", **keys}])


def _state(**keys):
    return {**PROCESS, "states": [{"name": "a", **keys}, {"name": "b", "final": True}]}


def _transition(**keys):
    return {**PROCESS, "transitions": [{"name": "go", "from": "a", "to": "b", **keys}]}


@pytest.mark.parametrize(
    ("kind", "document", "path", "message"),
    [
        ("app", {"label": "X"}, "", "missing key 'name'"),
        ("app", {"name": "crm", "lable": "CRM"}, "", "unknown key 'lable' (did you mean 'label'?)"),
        ("app", {"name": "CRM"}, "name", "must be lower snake_case, like 'credit_limit'"),
        ("app", {"name": "crm", "label": 3}, "label", "must be a text or an object"),
        ("app", {"name": "crm", "label": ""}, "label", "must not be empty"),
        (
            "app",
            {"name": "crm", "label": {"english": "CRM"}},
            "label",
            "key 'english' must be a language tag like 'en' or 'zh-CN'",
        ),
        ("app", {"name": "crm", "roles": [{"label": "x"}]}, "roles/0", "missing key 'name'"),
        ("app", {"name": "crm", "menu": ["a", "a"]}, "menu", "must not list the same item twice"),
        (
            "app",
            {"name": "crm", "menu": ["Crm.Customer"]},
            "menu/0",
            "must be an entity name, like 'customer' or 'crm.customer'",
        ),
        ("app", {"name": "crm", "plugins": "sms"}, "plugins", "must be a list"),
        ("entity", {"name": "thing"}, "", "missing key 'fields'"),
        ("entity", _entity(fields=[]), "fields", "must not be empty"),
        ("entity", _entity(fields=[{"name": "f"}]), "fields/0", "missing key 'type'"),
        ("entity", _field(type="Text"), "fields/0/type", "must be lower snake_case"),
        ("entity", _field(required="yes"), "fields/0/required", "must be true or false"),
        ("entity", _field(max_length=1.5), "fields/0/max_length", "must be a whole number"),
        ("entity", _field(max_length=0), "fields/0/max_length", "must be at least 1"),
        ("entity", _field(min=True), "fields/0/min", "must be a number or a text"),
        ("entity", _field(options=[]), "fields/0/options", "must not be empty"),
        ("entity", _field(options=[1]), "fields/0/options/0", "must be a text or an object"),
        ("entity", _field(options=[{"label": "A"}]), "fields/0/options/0", "missing key 'value'"),
        (
            "entity",
            _field(options=[{"value": "a", "colour": "red"}]),
            "fields/0/options/0",
            "unknown key 'colour' (did you mean 'color'?)",
        ),
        ("entity", _field(to="Customer"), "fields/0/to", "must be an entity name"),
        ("entity", _field(fetch="customer"), "fields/0/fetch", "must be 'link_field.target_field'"),
        ("entity", _field(fields=[{"name": "x"}]), "fields/0/fields/0", "missing key 'type'"),
        ("entity", _field(accept=["pdf"]), "fields/0/accept/0", "must be a MIME type"),
        ("entity", _field(max_size=0), "fields/0/max_size", "must be at least 1"),
        ("entity", _field(read_roles=["a", "a"]), "fields/0/read_roles", "same item twice"),
        ("entity", _entity(numbering=""), "numbering", "must not be empty"),
        ("entity", _entity(rules=[{"message": "m"}]), "rules/0", "missing key 'check'"),
        ("entity", _entity(form={"fields": ["title"]}), "form", "missing key 'sections'"),
        (
            "entity",
            _entity(form={"sections": [{"fields": ["title"], "columns": 9}]}),
            "form/sections/0/columns",
            "must be at most 4",
        ),
        ("entity", _entity(list={"sort": "-a -b"}), "list/sort", "separated by commas"),
        ("entity", _entity(list={"columns": []}), "list/columns", "must not be empty"),
        (
            "entity",
            _entity(permissions=[{"role": "user", "read": "everyone"}]),
            "permissions/0/read",
            "must be one of 'all', 'department', 'own', true, false",
        ),
        (
            "entity",
            _entity(permissions=[{"role": "user", "import": "yes"}]),
            "permissions/0/import",
            "must be true or false",
        ),
        ("process", {**PROCESS, "states": []}, "states", "must not be empty"),
        ("process", {k: v for k, v in PROCESS.items() if k != "start"}, "", "missing key 'start'"),
        ("process", _state(approval="some"), "states/0/approval", "must be 'any' or an object"),
        ("process", _state(approval={"mode": "all"}), "states/0/approval", "missing key 'action'"),
        (
            "process",
            _state(approval={"mode": "majority", "action": "go"}),
            "states/0/approval/mode",
            "must be one of 'all', 'sequential'",
        ),
        (
            "process",
            _state(approval={"mode": "all", "action": "go", "quorum": "150%"}),
            "states/0/approval/quorum",
            "must be a percentage from 1% to 100%",
        ),
        (
            "process",
            _state(approval={"mode": "all", "action": "go", "quorum": 0}),
            "states/0/approval/quorum",
            "must be at least 1",
        ),
        ("process", _state(editable="all"), "states/0/editable", "must be '*' or a list"),
        (
            "process",
            _state(assignees=[{"role": "a", "user": "b"}]),
            "states/0/assignees/0",
            "must have exactly one of role, user, field, manager_of, department_head",
        ),
        ("process", _state(assignees=[{}]), "states/0/assignees/0", "must have exactly one of"),
        (
            "process",
            _state(assignees=[{"group": "x"}]),
            "states/0/assignees/0",
            "unknown key 'group'",
        ),
        ("process", _state(sla={"due": "3 days"}), "states/0/sla/due", "must be a duration"),
        ("process", _state(sla={"due": "3w"}), "states/0/sla/due", "must be a duration"),
        (
            "process",
            _state(sla={"on_breach": {"action": "go", "notify": [{"role": "a"}]}}),
            "states/0/sla/on_breach",
            "must have exactly one of assign, action, notify",
        ),
        ("process", _transition(to="@back"), "transitions/0/to", "'@previous' or '@join'"),
        ("process", _transition(**{"from": []}), "transitions/0/from", "must not be empty"),
        ("process", _transition(**{"from": 1}), "transitions/0/from", "must be a text or a list"),
        ("process", _transition(by="owner"), "transitions/0/by", "must be 'creator' or a list"),
        ("process", _transition(comment="yes"), "transitions/0/comment", "'required', 'optional'"),
        ("process", _transition(set={"Total": "1"}), "transitions/0/set", "key 'Total' must be"),
        ("process", _transition(set={"total": 1}), "transitions/0/set/total", "must be a text"),
        ("process", _transition(when=""), "transitions/0/when", "must not be empty"),
    ],
)
def test_schema_problem_is_reported_clearly(kind, document, path, message):
    problems = validate_document(kind, document, "doc.json")
    assert any(p.path == path and message in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        (
            "app",
            {
                "name": "crm",
                "icon": "users",
                "version": "2",
                "plugins": ["crm_extras"],
                "description": {"en": "CRM"},
            },
        ),
        ("entity", _field(type="signature")),  # plugin types are the checker's business
        ("entity", _field(type="rating", max=10)),
        ("entity", _field(type="image", accept=["image/*", ".heic"], max_size=1024)),
        ("entity", _field(placeholder={"en": "Type here"}, help="Help")),
        ("entity", _field(options=["a", {"value": "b", "label": "B", "color": "#ff0000"}])),
        ("entity", _field(min="2024-01-01", max="2024-12-31")),
        ("entity", _entity(permissions=[{"role": "user", "read": True, "delete": False}])),
        ("process", _state(approval={"mode": "all", "action": "go", "quorum": 2})),
        ("process", _state(sla={"due": "2bd", "remind": "4bh", "on_breach": {"action": "go"}})),
        ("process", _transition(to="@previous", by=[{"manager_of": "_created_by"}])),
        ("process", _transition(**{"from": ["a", "b"]}, comment="optional")),
    ],
)
def test_schema_accepts(kind, document):
    assert validate_document(kind, document, "doc.json") == []


def test_every_error_is_reported_not_just_the_first():
    document = {
        "name": "thing",
        "fields": [
            {"name": "a", "type": "text", "colour": "red"},
            {"name": "b"},
            {"name": "c", "type": "text", "required": "yes"},
        ],
        "list": {"sort": 1},
    }
    problems = validate_document("entity", document, "entities/thing.json")
    assert [(p.path, p.message) for p in problems] == [
        ("fields/0", "unknown key 'colour'"),
        ("fields/1", "missing key 'type'"),
        ("fields/2/required", "must be true or false"),
        ("list/sort", "must be a text"),
    ]
    assert all(isinstance(p, Problem) and p.file == "entities/thing.json" for p in problems)


def test_problem_prints_as_file_path_message():
    (problem,) = validate_document("app", {"name": "crm", "menu": "customer"}, "crm/app.json")
    assert str(problem) == "crm/app.json: menu: must be a list"
