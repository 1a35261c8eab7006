"""The semantic checker: names, patterns, expressions, compute cycles and process lint."""

import copy
import json
from pathlib import Path

import pytest

from formflow.fields import Registry, builtin_registry
from formflow.fields.choices import SelectType
from formflow.metadata.checker import check
from formflow.metadata.loader import collect_problems, load
from formflow.metadata.model import App, Entity, Field, Label, Model, Option
from formflow.metadata.problems import Problem

VALID = Path(__file__).parents[1] / "metadata" / "valid"

BASE = {
    "app.json": {
        "name": "sales",
        "roles": [{"name": "seller"}],
        "menu": ["customer", "order"],
    },
    "entities/customer.json": {
        "name": "customer",
        "numbering": "C-{seq:4}",
        "title": "{company}",
        "fields": [
            {"name": "company", "type": "text", "required": True},
            {"name": "account_manager", "type": "user"},
            {"name": "region", "type": "department"},
            {"name": "credit_limit", "type": "money", "min": 0},
        ],
    },
    "entities/order.json": {
        "name": "order",
        "title": "{customer} {ordered_on}",
        "fields": [
            {"name": "customer", "type": "link", "to": "customer"},
            {"name": "ordered_on", "type": "date"},
            {"name": "status", "type": "select", "options": ["open", "closed"]},
            {
                "name": "lines",
                "type": "table",
                "fields": [
                    {"name": "qty", "type": "integer"},
                    {"name": "price", "type": "money"},
                    {"name": "amount", "type": "money", "compute": "qty * price"},
                ],
            },
            {"name": "total", "type": "money", "compute": "sum(lines.amount)"},
            {"name": "approved_on", "type": "date"},
            {"name": "note", "type": "textarea"},
        ],
        "form": {"sections": [{"fields": ["customer", "ordered_on", "lines"]}]},
        "list": {
            "columns": ["id", "customer", "total"],
            "filters": ["status"],
            "search": ["note"],
            "sort": "-ordered_on",
        },
        "permissions": [{"role": "seller", "create": True, "read": "all"}],
        "process": "order_flow",
    },
    "processes/order_flow.json": {
        "name": "order_flow",
        "entity": "order",
        "start": "draft",
        "states": [
            {"name": "draft", "editable": "*"},
            {"name": "review", "assignees": [{"role": "seller"}], "editable": ["note"]},
            {"name": "done", "final": True},
        ],
        "transitions": [
            {"name": "submit", "from": "draft", "to": "review"},
            {"name": "approve", "from": "review", "to": "done", "set": {"approved_on": "today()"}},
            {"name": "send_back", "from": "review", "to": "draft"},
        ],
    },
}
CUSTOMER, ORDER, FLOW = "entities/customer.json", "entities/order.json", "processes/order_flow.json"


def write_app(root: Path, documents: dict) -> Path:
    folder = root / documents["app.json"]["name"]
    for relative, document in documents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document), encoding="utf-8")
    return folder


def problems_after(tmp_path, change) -> list[Problem]:
    documents = copy.deepcopy(BASE)
    change(documents)
    write_app(tmp_path, documents)
    return collect_problems([tmp_path])


def order_field(name):
    return lambda docs: next(f for f in docs[ORDER]["fields"] if f["name"] == name)


def edit(relative, *steps):
    """A change applying ``steps``: (getter, key, value) sets a key; a callable runs."""

    def change(docs):
        for step in steps:
            if callable(step):
                step(docs)
            else:
                getter, key, value = step
                target = getter(docs) if callable(getter) else docs[relative]
                if value is DELETE:
                    del target[key]
                else:
                    target[key] = value

    return change


DELETE = object()


def add_field(relative, field):
    return lambda docs: docs[relative]["fields"].append(field)


def add_column(column):
    return lambda docs: order_field("lines")(docs)["fields"].append(column)


def add_state(state):
    return lambda docs: docs[FLOW]["states"].append(state)


def add_transition(transition, at=None):
    def change(docs):
        transitions = docs[FLOW]["transitions"]
        transitions.insert(len(transitions) if at is None else at, transition)

    return change


def state(name):
    return lambda docs: next(s for s in docs[FLOW]["states"] if s["name"] == name)


def test_base_app_is_clean(tmp_path):
    assert problems_after(tmp_path, lambda docs: None) == []


@pytest.mark.parametrize(
    ("change", "file", "path", "message"),
    [
        # fields
        pytest.param(
            add_field(ORDER, {"name": "_secret", "type": "text"}),
            ORDER,
            "fields/7/name",
            "'_secret' is reserved",
            id="reserved-underscore",
        ),
        pytest.param(
            add_field(ORDER, {"name": "id", "type": "integer"}),
            ORDER,
            "fields/7/name",
            "'id' is reserved",
            id="reserved-id",
        ),
        pytest.param(
            add_field(ORDER, {"name": "note", "type": "text"}),
            ORDER,
            "fields/7/name",
            "duplicate field 'note'",
            id="duplicate-field",
        ),
        pytest.param(
            add_column({"name": "qty", "type": "integer"}),
            ORDER,
            "fields/3/fields/3/name",
            "duplicate field 'qty'",
            id="duplicate-column",
        ),
        pytest.param(
            add_column({"name": "cost", "type": "money", "read_roles": ["admin"]}),
            ORDER,
            "fields/3/fields/3/read_roles",
            "read_roles apply to the whole table 'lines', not to one of its columns",
            id="column-read-roles",
        ),
        pytest.param(
            add_column({"name": "_row", "type": "integer"}),
            ORDER,
            "fields/3/fields/3/name",
            "reserved",
            id="reserved-column",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "texty"}),
            ORDER,
            "fields/7/type",
            "unknown field type 'texty' (did you mean 'text'?)",
            id="unknown-type",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "link"}),
            ORDER,
            "fields/7",
            "a link field needs 'to'",
            id="link-without-to",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "link", "to": "client"}),
            ORDER,
            "fields/7/to",
            "unknown entity 'client'",
            id="link-unknown-target",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "link", "to": "hr.employee"}),
            ORDER,
            "fields/7/to",
            "unknown entity 'hr.employee'",
            id="link-unknown-app",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "fetch": "buyer.company"}),
            ORDER,
            "fields/7/fetch",
            "unknown link field 'buyer'",
            id="fetch-no-link",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "fetch": "note.company"}),
            ORDER,
            "fields/7/fetch",
            "'note' is not a link field",
            id="fetch-not-link",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "fetch": "customer.phone"}),
            ORDER,
            "fields/7/fetch",
            "'customer' has no field 'phone'",
            id="fetch-no-target-field",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "select"}),
            ORDER,
            "fields/7",
            "a select field needs 'options'",
            id="select-no-options",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "multiselect"}),
            ORDER,
            "fields/7",
            "a multiselect field needs 'options'",
            id="multiselect-no-options",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "select", "options": ["a", {"value": "a"}]}),
            ORDER,
            "fields/7/options/1",
            "duplicate option 'a'",
            id="duplicate-option",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "select", "options": ["a"], "default": "b"}),
            ORDER,
            "fields/7/default",
            "'b' is not one of the options",
            id="select-default",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "integer", "min": 5, "max": 1}),
            ORDER,
            "fields/7/min",
            "min (5) is greater than max (1)",
            id="min-max",
        ),
        pytest.param(
            add_field(
                ORDER, {"name": "x", "type": "date", "min": "2025-01-01", "max": "2024-01-01"}
            ),
            ORDER,
            "fields/7/min",
            "greater than max",
            id="min-max-dates",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "min_length": 9, "max_length": 3}),
            ORDER,
            "fields/7/min_length",
            "greater than max_length",
            id="lengths",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "decimal", "precision": 4, "scale": 6}),
            ORDER,
            "fields/7/scale",
            "scale (6) is greater than precision (4)",
            id="scale-precision",
        ),
        pytest.param(
            add_field(
                ORDER,
                {
                    "name": "x",
                    "type": "table",
                    "min_rows": 3,
                    "max_rows": 2,
                    "fields": [{"name": "a", "type": "text"}],
                },
            ),
            ORDER,
            "fields/7/min_rows",
            "greater than max_rows",
            id="rows",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "pattern": "[a-"}),
            ORDER,
            "fields/7/pattern",
            "invalid regular expression",
            id="bad-regex",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "table"}),
            ORDER,
            "fields/7",
            "a table field needs 'fields'",
            id="table-no-fields",
        ),
        pytest.param(
            add_column({"name": "sub", "type": "table", "fields": [{"name": "a", "type": "text"}]}),
            ORDER,
            "fields/3/fields/3/type",
            "cannot itself be a table",
            id="nested-table",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "renamed_from": "note"}),
            ORDER,
            "fields/7/renamed_from",
            "field 'note' still exists",
            id="renamed-from-existing",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "read_roles": ["boss"]}),
            ORDER,
            "fields/7/read_roles/0",
            "unknown role 'boss'",
            id="read-roles",
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "text", "write_roles": ["sellers"]}),
            ORDER,
            "fields/7/write_roles/0",
            "unknown role 'sellers' (did you mean",
            id="write-roles",
        ),
        # views
        pytest.param(
            edit(
                ORDER, (lambda d: d[ORDER]["form"]["sections"][0], "fields", ["customer", "totl"])
            ),
            ORDER,
            "form/sections/0/fields/1",
            "unknown field 'totl' (did you mean 'total'?)",
            id="form-unknown",
        ),
        pytest.param(
            edit(
                ORDER,
                (
                    lambda d: d[ORDER]["form"],
                    "sections",
                    [{"fields": ["note"]}, {"fields": ["note"]}],
                ),
            ),
            ORDER,
            "form/sections/1/fields/0",
            "already in the form",
            id="form-twice",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["form"]["sections"][0], "fields", ["_number"])),
            ORDER,
            "form/sections/0/fields/0",
            "unknown field '_number'",
            id="form-system",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["list"], "columns", ["id", "amount"])),
            ORDER,
            "list/columns/1",
            "unknown field 'amount'",
            id="list-column",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["list"], "columns", ["lines"])),
            ORDER,
            "list/columns/0",
            "table field 'lines' cannot be used here",
            id="list-table-column",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["list"], "filters", ["_stat"])),
            ORDER,
            "list/filters/0",
            "unknown field '_stat' (did you mean '_state'?)",
            id="list-filter",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["list"], "search", ["_state"])),
            ORDER,
            "list/search/0",
            "unknown field '_state'",
            id="list-search-system",
        ),
        pytest.param(
            edit(ORDER, (lambda d: d[ORDER]["list"], "sort", "-total,colour")),
            ORDER,
            "list/sort",
            "unknown field 'colour'",
            id="list-sort",
        ),
        # app, permissions, process link
        pytest.param(
            edit("app.json", (None, "menu", ["customer", "invoice"])),
            "app.json",
            "menu/1",
            "unknown entity 'invoice'",
            id="menu",
        ),
        pytest.param(
            edit("app.json", (None, "roles", [{"name": "seller"}, {"name": "seller"}])),
            "app.json",
            "roles/1/name",
            "duplicate role 'seller'",
            id="duplicate-role",
        ),
        pytest.param(
            edit(ORDER, (None, "permissions", [{"role": "buyer"}])),
            ORDER,
            "permissions/0/role",
            "unknown role 'buyer'",
            id="permission-role",
        ),
        pytest.param(
            edit(ORDER, (None, "permissions", [{"role": "user"}, {"role": "user"}])),
            ORDER,
            "permissions/1/role",
            "role 'user' is listed twice",
            id="permission-twice",
        ),
        pytest.param(
            edit(ORDER, (None, "process", "order_flw")),
            ORDER,
            "process",
            "unknown process 'order_flw' (did you mean 'order_flow'?)",
            id="entity-process-unknown",
        ),
        pytest.param(
            edit(CUSTOMER, (None, "process", "order_flow")),
            CUSTOMER,
            "process",
            "process 'order_flow' is for 'sales.order'",
            id="entity-process-other-entity",
        ),
        # title and numbering
        pytest.param(
            edit(ORDER, (None, "title", "{custmer}")),
            ORDER,
            "title",
            "unknown field {custmer} (did you mean 'customer'?)",
            id="title-field",
        ),
        pytest.param(
            edit(ORDER, (None, "title", "{lines}")),
            ORDER,
            "title",
            "unknown field {lines}",
            id="title-table",
        ),
        pytest.param(
            edit(ORDER, (None, "title", "{customer")),
            ORDER,
            "title",
            "unbalanced",
            id="title-braces",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "SO-{YYYY}")),
            ORDER,
            "numbering",
            "needs exactly one {seq:N} counter, found 0",
            id="numbering-no-seq",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "{seq:2}-{seq:3}")),
            ORDER,
            "numbering",
            "found 2",
            id="numbering-two-seqs",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "SO-{seq:13}")),
            ORDER,
            "numbering",
            "{seq:13}: use {seq:N} with N from 1 to 12",
            id="numbering-seq-too-long",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "SO-{seq:0}")),
            ORDER,
            "numbering",
            "{seq:0}: use {seq:N} with N from 1 to 12",
            id="numbering-seq-zero",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "SO-{YYYYMM}-{seq:3}")),
            ORDER,
            "numbering",
            "unknown token {YYYYMM}",
            id="numbering-token",
        ),
        pytest.param(
            edit(ORDER, (None, "numbering", "SO-{seq}")),
            ORDER,
            "numbering",
            "{seq}: use {seq:N} with N from 1 to 12",
            id="numbering-seq-without-n",
        ),
        # expressions
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "total >"}])),
            ORDER,
            "rules/0/check",
            "invalid expression",
            id="rule-syntax",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "totl > 0"}])),
            ORDER,
            "rules/0/check",
            "'order' has no field 'totl' (did you mean 'total'?)",
            id="rule-unknown-name",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "explode(total)"}])),
            ORDER,
            "rules/0/check",
            "invalid expression",
            id="rule-unknown-function",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "customer.credit > 0"}])),
            ORDER,
            "rules/0/check",
            "'customer' has no field 'credit'",
            id="link-follow",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "note.size > 0"}])),
            ORDER,
            "rules/0/check",
            "'note' is not a link or table field",
            id="scalar-follow",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "sum(lines.cost) > 0"}])),
            ORDER,
            "rules/0/check",
            "table 'lines' has no column 'cost'",
            id="table-column",
        ),
        pytest.param(
            edit(ORDER, (None, "rules", [{"check": "_created_by.name != ''"}])),
            ORDER,
            "rules/0/check",
            "'_created_by' has no fields",
            id="system-follow",
        ),
        pytest.param(
            edit(ORDER, (order_field("note"), "default_expr", "custome")),
            ORDER,
            "fields/6/default_expr",
            "no field 'custome'",
            id="default-expr",
        ),
        pytest.param(
            edit(ORDER, (order_field("note"), "visible_if", "stat == 'open'")),
            ORDER,
            "fields/6/visible_if",
            "no field 'stat'",
            id="visible-if",
        ),
        pytest.param(
            edit(ORDER, (order_field("note"), "required_if", "status ==")),
            ORDER,
            "fields/6/required_if",
            "invalid expression",
            id="required-if",
        ),
        pytest.param(
            edit(ORDER, (order_field("note"), "readonly_if", "x")),
            ORDER,
            "fields/6/readonly_if",
            "no field 'x'",
            id="readonly-if",
        ),
        pytest.param(
            add_column({"name": "tax", "type": "money", "compute": "amount * rate"}),
            ORDER,
            "fields/3/fields/3/compute",
            "table 'lines' has no column 'rate'",
            id="column-unknown-name",
        ),
        pytest.param(
            add_column({"name": "tax", "type": "money", "compute": "total * 0.1"}),
            ORDER,
            "fields/3/fields/3/compute",
            "use parent.<field>",
            id="column-parent-field-without-parent",
        ),
        pytest.param(
            add_column({"name": "tax", "type": "money", "compute": "parent.rate"}),
            ORDER,
            "fields/3/fields/3/compute",
            "'order' has no field 'rate'",
            id="column-parent-unknown",
        ),
        # compute cycles
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "integer", "compute": "x + 1"}),
            ORDER,
            "fields/7/compute",
            "depend on each other: x -> x",
            id="self-cycle",
        ),
        pytest.param(
            edit(
                ORDER,
                add_field(ORDER, {"name": "a", "type": "integer", "compute": "b"}),
                add_field(ORDER, {"name": "b", "type": "integer", "compute": "a"}),
            ),
            ORDER,
            "fields/7/compute",
            "depend on each other: a -> b -> a",
            id="two-cycle",
        ),
        pytest.param(
            edit(
                ORDER,
                (order_field("total"), "compute", "sum(lines.share)"),
                add_column(
                    {"name": "share", "type": "decimal", "compute": "amount / parent.total"}
                ),
            ),
            ORDER,
            "fields/3/fields/3/compute",
            "lines.share -> total -> lines.share",
            id="table-parent-cycle",
        ),
    ],
)
def test_entity_problem(tmp_path, change, file, path, message):
    problems = problems_after(tmp_path, change)
    expected_file = f"sales/{file}"
    matching = [p for p in problems if p.file == expected_file and p.path == path]
    assert any(message in p.message for p in matching), problems
    assert len(problems) == len(matching) == 1, problems


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        pytest.param(
            edit(FLOW, (None, "entity", "ordr"), lambda d: d[ORDER].pop("process")),
            "entity",
            "unknown entity 'sales.ordr'",
            id="unknown-entity",
        ),
        pytest.param(
            edit(FLOW, (None, "start", "begin")),
            "start",
            "unknown state 'begin'",
            id="unknown-start",
        ),
        pytest.param(
            add_transition({"name": "go", "from": "drafts", "to": "done"}),
            "transitions/3/from",
            "unknown state 'drafts' (did you mean 'draft'?)",
            id="unknown-from",
        ),
        pytest.param(
            add_transition({"name": "go", "from": ["review", "x"], "to": "done"}),
            "transitions/3/from/1",
            "unknown state 'x'",
            id="unknown-from-list",
        ),
        pytest.param(
            add_transition({"name": "go", "from": "review", "to": "finished"}),
            "transitions/3/to",
            "unknown state 'finished'",
            id="unknown-to",
        ),
        pytest.param(
            add_state({"name": "limbo", "final": True}),
            "states/3",
            "state 'limbo' cannot be reached from 'draft'",
            id="unreachable",
        ),
        pytest.param(
            edit(
                FLOW,
                add_state({"name": "stuck"}),
                add_transition({"name": "hold", "from": "review", "to": "stuck"}),
            ),
            "states/3",
            "state 'stuck' has no way out",
            id="no-way-out",
        ),
        pytest.param(
            edit(
                FLOW,
                add_state({"name": "loop"}),
                add_transition({"name": "park", "from": "review", "to": "loop"}),
                add_transition({"name": "spin", "from": "loop", "to": "loop"}),
            ),
            "states/3",
            "no final state can be reached from 'loop'",
            id="no-final-reach",
        ),
        pytest.param(
            edit(
                FLOW,
                (state("done"), "final", False),
                add_transition({"name": "reopen", "from": "done", "to": "draft"}),
            ),
            "states",
            "no final state",
            id="no-final-state",
        ),
        pytest.param(
            add_state({"name": "done", "final": True}),
            "states/3/name",
            "duplicate state 'done'",
            id="duplicate-state",
        ),
        pytest.param(
            edit(
                FLOW,
                (None, "cancel", True),
                add_state({"name": "cancelled", "final": True}),
                add_transition({"name": "drop", "from": "review", "to": "cancelled"}),
            ),
            "states/3/name",
            "built-in state of cancel",
            id="cancelled-reserved",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW]["transitions"][0], "required", ["notes"])),
            "transitions/0/required/0",
            "unknown field 'notes' (did you mean 'note'?)",
            id="required-field",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "editable", ["note", "_state"])),
            "states/1/editable/1",
            "unknown field '_state'",
            id="editable-field",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW]["transitions"][1], "set", {"approved": "today()"})),
            "transitions/1/set/approved",
            "unknown field 'approved'",
            id="set-field",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW]["transitions"][1], "set", {"approved_on": "tomorrow()"})),
            "transitions/1/set/approved_on",
            "invalid expression",
            id="set-expression",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW]["transitions"][1], "when", "totl > 0")),
            "transitions/1/when",
            "no field 'totl'",
            id="when-name",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "assignees", [{"role": "boss"}])),
            "states/1/assignees/0/role",
            "unknown role 'boss'",
            id="assignee-role",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "assignees", [{"field": "note"}])),
            "states/1/assignees/0/field",
            "'note' is not a user field",
            id="assignee-field-type",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW], "requester_fields", ["note"])),
            "requester_fields/0",
            "'note' is not a user field",
            id="requester-field-type",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "assignees", [{"manager_of": "owner"}])),
            "states/1/assignees/0/manager_of",
            "unknown field 'owner'",
            id="assignee-unknown-field",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "cc", [{"department_head": "_created_at"}])),
            "states/1/cc/0/department_head",
            "'_created_at' is not a user field",
            id="cc-system-field",
        ),
        pytest.param(
            edit(FLOW, (lambda d: d[FLOW]["transitions"][0], "by", [{"role": "nobody"}])),
            "transitions/0/by/0/role",
            "unknown role 'nobody'",
            id="by-role",
        ),
        pytest.param(
            edit(
                FLOW,
                (
                    state("review"),
                    "sla",
                    {"due": "1d", "on_breach": {"notify": [{"field": "status"}]}},
                ),
            ),
            "states/1/sla/on_breach/notify/0/field",
            "not a user field",
            id="breach-notify",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "sla", {"due": "1d", "on_breach": {"action": "submit"}})),
            "states/1/sla/on_breach/action",
            "no transition 'submit' leaves 'review'",
            id="breach-action",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "approval", {"mode": "all", "action": "accept"})),
            "states/1/approval/action",
            "no transition 'accept' leaves 'review'",
            id="approval-action",
        ),
        pytest.param(
            add_transition(
                {"name": "approve", "from": "review", "to": "draft", "when": "total > 100"}
            ),
            "transitions/3",
            "transition 'approve' from 'review' is never taken",
            id="shadowed-guarded",
        ),
        pytest.param(
            add_transition({"name": "approve", "from": ["draft", "review"], "to": "done"}),
            "transitions/3",
            "transitions/1 has no 'when' and always wins",
            id="two-unguarded",
        ),
        pytest.param(
            edit(FLOW, (lambda docs: docs[FLOW], "managers", ["controller"])),
            "managers/0",
            "unknown role 'controller'",
            id="unknown-manager-role",
        ),
        pytest.param(
            edit(FLOW, (state("review"), "outcome", "approved")),
            "states/1/outcome",
            "only a final state has an outcome",
            id="outcome-not-final",
        ),
    ],
)
def test_process_problem(tmp_path, change, path, message):
    problems = problems_after(tmp_path, change)
    matching = [p for p in problems if p.file == f"sales/{FLOW}" and p.path == path]
    assert any(message in p.message for p in matching), problems
    assert len(problems) == len(matching) == 1, problems


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            add_transition(
                {"name": "approve", "from": "review", "to": "draft", "when": "total > 100"}, at=1
            ),
            id="guarded-before",
        ),
        pytest.param(
            add_transition({"name": "back", "from": "review", "to": "@previous"}), id="previous"
        ),
        pytest.param(
            edit(
                FLOW,
                (
                    state("review"),
                    "assignees",
                    [
                        {"field": "_created_by"},
                        {"manager_of": "_updated_by"},
                        {"department_head": "_created_by"},
                        {"user": "admin"},
                        {"role": "admin"},
                        {"role": "user"},
                    ],
                ),
            ),
            id="system-users",
        ),
        pytest.param(
            edit(
                FLOW,
                (state("review"), "cc", [{"manager_of": "customer"}]),
                (lambda d: d[ORDER]["fields"][0], "to", "customer"),
            ),
            id="link-to-entity-with-user-field",
        ),
        pytest.param(
            edit(
                FLOW,
                (state("review"), "approval", {"mode": "sequential", "action": "approve"}),
                (state("review"), "sla", {"due": "2d", "on_breach": {"action": "send_back"}}),
            ),
            id="approval-and-breach-actions",
        ),
        pytest.param(
            edit(
                ORDER,
                (
                    None,
                    "rules",
                    [
                        {"check": "customer.credit_limit >= total and customer._number != ''"},
                        {"check": "len(lines) > 0 and _state != 'done' and sum(lines.qty) > 0"},
                    ],
                ),
            ),
            id="rule-names",
        ),
        pytest.param(
            add_column(
                {
                    "name": "share",
                    "type": "decimal",
                    "compute": "amount / parent.customer.credit_limit",
                    "visible_if": "parent.status == 'open'",
                }
            ),
            id="column-parent-link",
        ),
        pytest.param(
            add_field(ORDER, {"name": "limit", "type": "money", "fetch": "customer.credit_limit"}),
            id="fetch",
        ),
        pytest.param(
            add_field(ORDER, {"name": "phone", "type": "text", "fetch": "customer._number"}),
            id="fetch-system",
        ),
        pytest.param(
            edit(
                ORDER,
                (None, "numbering", "SO-{YY}{MM}{DD}-{status}-{seq:12}"),
                (None, "title", "{_number} {customer}"),
            ),
            id="patterns",
        ),
        pytest.param(
            edit(
                ORDER,
                (
                    lambda d: d[ORDER]["list"],
                    "columns",
                    ["_number", "_state", "_created_by", "customer"],
                ),
                (lambda d: d[ORDER]["list"], "search", ["_number", "_title", "note"]),
                (lambda d: d[ORDER]["list"], "sort", "-_updated_at,customer"),
            ),
            id="system-fields-in-list",
        ),
        pytest.param(
            edit("app.json", (None, "menu", ["order", "sales.customer"])), id="qualified-menu"
        ),
        pytest.param(
            add_field(ORDER, {"name": "x", "type": "select", "options": ["a"], "default": "a"}),
            id="select-default",
        ),
    ],
)
def test_accepted(tmp_path, change):
    assert problems_after(tmp_path, change) == []


def test_links_across_apps_resolve(tmp_path):
    write_app(tmp_path, copy.deepcopy(BASE))
    write_app(
        tmp_path,
        {
            "app.json": {"name": "billing", "menu": ["invoice", "sales.order"]},
            "entities/invoice.json": {
                "name": "invoice",
                "fields": [
                    {"name": "order", "type": "link", "to": "sales.order"},
                    {"name": "buyer", "type": "text", "fetch": "order.customer"},
                ],
                "rules": [{"check": "order.customer.credit_limit > 0"}],
                "permissions": [{"role": "seller", "read": "all"}],
            },
        },
    )
    assert collect_problems([tmp_path]) == []


def test_roles_of_other_apps_are_known(tmp_path):
    write_app(tmp_path, copy.deepcopy(BASE))
    write_app(
        tmp_path,
        {
            "app.json": {"name": "other"},
            "entities/note.json": {
                "name": "note",
                "fields": [{"name": "text", "type": "text"}],
                "permissions": [{"role": "seller", "read": "own"}],
            },
        },
    )
    assert collect_problems([tmp_path]) == []


def test_link_to_entity_without_user_field_cannot_name_people(tmp_path):
    problems = problems_after(
        tmp_path,
        edit(
            FLOW,
            (state("review"), "assignees", [{"field": "customer"}]),
            (lambda d: d[CUSTOMER]["fields"][1], "type", "text"),
        ),
    )
    assert [p.message for p in problems] == [
        "'customer' links to 'sales.customer', which has no user field"
    ]


def test_department_head_may_name_a_department_field(tmp_path):
    problems = problems_after(
        tmp_path,
        edit(
            FLOW,
            (state("review"), "assignees", [{"department_head": "region"}]),
            add_field(ORDER, {"name": "region", "type": "department"}),
        ),
    )
    assert problems == []


def test_several_problems_are_all_reported(tmp_path):
    problems = problems_after(
        tmp_path,
        edit(
            ORDER,
            add_field(ORDER, {"name": "_x", "type": "text"}),
            add_field(ORDER, {"name": "y", "type": "link"}),
            (None, "title", "{nope}"),
            (state("review"), "assignees", [{"role": "boss"}]),
            (None, "rules", [{"check": "missing > 0"}]),
        ),
    )
    assert [(p.file, p.path) for p in problems] == [
        ("sales/entities/order.json", "fields/7/name"),
        ("sales/entities/order.json", "fields/8"),
        ("sales/entities/order.json", "rules/0/check"),
        ("sales/entities/order.json", "title"),
        ("sales/processes/order_flow.json", "states/1/assignees/0/role"),
    ]


@pytest.mark.parametrize("folder", ["hr_example", "shop"])
def test_scenario_apps_check_cleanly(folder):
    model = load([VALID / folder])
    assert check(model, field_types=builtin_registry()) == []


def test_check_works_on_a_model_built_in_code():
    entity = Entity(
        app="app",
        name="thing",
        label=Label.of("Thing"),
        fields=(
            Field("_hidden", "text", Label.of("Hidden")),
            Field("kind", "select", Label.of("Kind"), options=(Option("a", Label.of("A")),) * 2),
            Field("ref", "link", Label.of("Ref"), to="app.nothing"),
        ),
        source="app/entities/thing.json",
    )
    model = Model(apps={"app": App("app", Label.of("App"), entities={"thing": entity})})
    problems = check(model, field_types=registry_of("text", "select", "link"))
    assert [(p.path, p.message) for p in problems] == [
        ("fields/0/name", "'_hidden' is reserved for system fields"),
        ("fields/1/options/1", "duplicate option 'a'"),
        ("fields/2/to", "unknown entity 'app.nothing'"),
    ]


def registry_of(*names, extra=()):
    """A field-type registry holding the built-in types ``names`` and ``extra`` ones."""
    registry, builtin = Registry(), builtin_registry()
    for name in names:
        registry.register(builtin[name])
    for field_type in extra:
        registry.register(field_type)
    return registry


class ColourType(SelectType):
    """A plugin's type with options of its own (a colour picked from a palette)."""

    name = "colour"


def test_a_plugin_type_with_options_is_checked_as_its_registry_entry_says():
    entity = Entity(
        name="thing", app="app", label=Label.of("Thing"),
        fields=(
            Field("bare", "colour", Label.of("Bare")),
            Field("twice", "colour", Label.of("Twice"),
                  options=(Option("red", Label.of("Red")),) * 2),
            Field("odd", "colour", Label.of("Odd"), options=(Option("red", Label.of("Red")),),
                  default="blue"),
        ),
        source="app/entities/thing.json",
    )
    model = Model(apps={"app": App("app", Label.of("App"), entities={"thing": entity})})
    problems = check(model, field_types=registry_of("text", extra=[ColourType()]))
    assert [(p.path, p.message) for p in problems] == [
        ("fields/0", "a colour field needs 'options'"),
        ("fields/1/options/1", "duplicate option 'red'"),
        ("fields/2/default", "'blue' is not one of the options"),
    ]


def test_unknown_types_are_checked_against_the_types_given():
    model = load([VALID / "shop"])
    problems = check(model, field_types=registry_of(*(set(builtin_registry()) - {"rating"})))
    assert [(p.file, p.path) for p in problems] == [("shop/entities/product.json", "fields/7/type")]


def order_rule(check):
    return edit(ORDER, (None, "rules", [{"check": check}]))


def flow_when(when):
    return lambda docs: docs[FLOW]["transitions"][0].__setitem__("when", when)


@pytest.mark.parametrize(
    ("change", "file", "path", "message"),
    [
        pytest.param(order_rule("status == 'aprooved'"), ORDER, "rules/0/check",
                     "'aprooved' is not an option of 'status'", id="option-eq"),
        pytest.param(edit(ORDER, (order_field("note"), "visible_if", "'clsoed' != status")),
                     ORDER, "fields/6/visible_if", "did you mean 'closed'", id="option-ne"),
        pytest.param(order_rule("status in ['open', 'shut']"), ORDER, "rules/0/check",
                     "'shut' is not an option of 'status'", id="option-in"),
        pytest.param(flow_when("status == 'aprooved'"), FLOW, "transitions/0/when",
                     "'aprooved' is not an option of 'status'", id="option-when"),
        pytest.param(order_rule("_state != 'reveiw'"), ORDER, "rules/0/check",
                     "'reveiw' is not a state of the process", id="state"),
        pytest.param(order_rule("note > 5"), ORDER, "rules/0/check",
                     "note (text field) > 5 compares a text with a number", id="text-number"),
        pytest.param(order_rule("total == '100'"), ORDER, "rules/0/check",
                     "compares a number with a text: it is never true", id="number-text"),
        pytest.param(order_rule("customer.company > 5"), ORDER, "rules/0/check",
                     "customer.company (text field) > 5", id="linked-text-number"),
        pytest.param(order_rule("ordered_on == 'tomorrow'"), ORDER, "rules/0/check",
                     "'tomorrow' is not a date", id="date-text"),
        pytest.param(order_rule("ordered_on > '2024-01-01'"), ORDER, "rules/0/check",
                     "write date('2024-01-01')", id="date-iso-text"),
        pytest.param(add_field(ORDER, {"name": "x", "type": "money", "compute": "note - 1"}),
                     ORDER, "fields/7/compute", "cannot calculate with text and a number",
                     id="text-arithmetic"),
        pytest.param(add_column({"name": "x", "type": "boolean",
                                 "compute": "parent.status == 'opne'"}),
                     ORDER, "fields/3/fields/3/compute", "'opne' is not an option",
                     id="option-parent"),
        pytest.param(
            lambda docs: docs[FLOW]["transitions"][1]["set"].update(status="'aprooved'"),
            FLOW, "transitions/1/set/status", "'aprooved' is not an option of 'status'",
            id="option-set",
        ),
        pytest.param(
            lambda docs: docs[FLOW]["transitions"][1]["set"].update(approved_on="'yes'"),
            FLOW, "transitions/1/set/approved_on", "'approved_on' holds a date; 'yes' is a text",
            id="set-kind",
        ),
    ],
)
def test_expression_option_and_type_problem(tmp_path, change, file, path, message):
    problems = problems_after(tmp_path, change)
    assert [(p.file, p.path) for p in problems] == [(f"sales/{file}", path)], problems
    assert message in problems[0].message, problems[0].message


@pytest.mark.parametrize(
    "check",
    [
        "status == 'open' and status != 'closed'",
        "status in ('open', 'closed') and 'x' in note",
        "_state == 'review' or _state == 'cancelled'",
        "ordered_on > date('2024-01-01') and ordered_on - today() > 3",
        "note + 'x' == 'ax' and note * 2 != ''",
        "str(total) + ' CNY' != '' and total > 5 and total != None",
        "customer.company == 'ACME' and customer.credit_limit >= total",
        "sum(lines.amount) == total and len(lines) > 0",
        "coalesce(note, 0) == 1 and _created_at > now() and _created_by == user()",
    ],
)
def test_expressions_of_fitting_types_and_options_are_accepted(tmp_path, check):
    assert problems_after(tmp_path, order_rule(check)) == []


def test_set_values_that_fit_their_fields_are_accepted(tmp_path):
    def change(docs):
        docs[FLOW]["transitions"][1]["set"].update(
            status="'closed'", note="'approved by ' + user()", approved_on="date('2025-01-31')"
        )

    assert problems_after(tmp_path, change) == []
