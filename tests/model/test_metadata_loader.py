"""Loading app folders: reading, schema problems, file names, and building the model."""

import json
from pathlib import Path

import pytest

from formflow.fields import builtin_registry
from formflow.fields.text import TextType
from formflow.metadata.loader import collect_problems, find_app_folders, humanize, load
from formflow.metadata.model import Approval, Assignee, FormSection, ListView, Model, Option
from formflow.metadata.problems import MetadataError

VALID = Path(__file__).parents[1] / "metadata" / "valid"
SHIPPED = Path(__file__).parents[2] / "metadata" / "apps"


def write_app(root: Path, name: str, documents: dict) -> Path:
    """Write ``{relative path: document or raw text}`` into ``root/name``."""
    folder = root / name
    for relative, document in documents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = document if isinstance(document, str) else json.dumps(document, indent=2)
        path.write_text(text, encoding="utf-8")
    return folder


def minimal_app(name="crm", **extra):
    return {
        "app.json": {"name": name},
        "entities/customer.json": {
            "name": "customer",
            "fields": [{"name": "company_name", "type": "text"}],
        },
        **extra,
    }


@pytest.fixture(scope="module")
def model() -> Model:
    return load([VALID])


# -- finding and loading ---------------------------------------------------------------


def test_find_app_folders_accepts_an_app_folder_itself():
    assert find_app_folders(VALID / "shop") == [VALID / "shop"]


def test_find_app_folders_lists_the_app_folders_inside_a_folder(tmp_path):
    write_app(tmp_path, "b", minimal_app("b"))
    write_app(tmp_path, "a", minimal_app("a"))
    (tmp_path / "notes").mkdir()
    assert find_app_folders(tmp_path) == [tmp_path / "a", tmp_path / "b"]


def test_find_app_folders_of_a_missing_folder_is_empty(tmp_path):
    assert find_app_folders(tmp_path / "nowhere") == []


def test_load_reads_every_app(model):
    assert set(model.apps) == {"hr", "shop"}
    assert set(model.apps["shop"].entities) == {"order", "product"}
    assert set(model.apps["shop"].processes) == {"order_flow"}


def test_load_accepts_several_paths_and_app_folders(tmp_path):
    write_app(tmp_path, "crm", minimal_app())
    model = load([VALID / "shop", str(tmp_path / "crm")])
    assert set(model.apps) == {"shop", "crm"}


def test_an_empty_metadata_folder_loads_an_empty_model(tmp_path):
    assert load([tmp_path]).apps == {}


def test_a_missing_folder_is_a_problem(tmp_path):
    (problem,) = collect_problems([tmp_path / "nowhere"])
    assert problem.message == "no such folder"


def test_dashboards_are_loaded_and_fixtures_ignored(model):
    assert set(model.apps["shop"].documents) == {
        "app.json",
        "entities/order.json",
        "entities/product.json",
        "processes/order_flow.json",
        "dashboards/sales.json",
    }
    assert model.apps["shop"].dashboards["sales"].widgets[0].entity == "shop.order"


def test_documents_are_kept_as_written(model):
    documents = model.apps["shop"].documents
    written = json.loads((VALID / "shop" / "entities" / "order.json").read_text("utf-8"))
    assert documents["entities/order.json"] == written
    json.dumps(dict(documents))  # storable as a published version


@pytest.mark.parametrize("folder", sorted(SHIPPED.glob("*/")), ids=lambda p: p.name)
def test_shipped_app_loads_cleanly(folder):
    # Shipped apps link to each other (a sales order's customer is crm.customer), so each
    # is loaded beside the others; none of its files may have a problem.
    problems = collect_problems([SHIPPED], warnings=True)
    assert [p for p in problems if p.file.startswith(f"{folder.name}/")] == []


def test_every_shipped_state_has_a_label_in_english_and_chinese():
    model = load([SHIPPED])
    for app in model.apps.values():
        for process in app.processes.values():
            for state in process.states:
                assert set(state.label.texts) == {"en", "zh-CN"}, (process.name, state.name)


def test_a_state_without_a_label_is_a_warning_not_an_error(tmp_path):
    from support.process_helpers import PROCESS_APPS

    problems = collect_problems([PROCESS_APPS / "flow"], warnings=True)
    assert problems and all(p.is_warning for p in problems)
    assert collect_problems([PROCESS_APPS / "flow"]) == []
    load([PROCESS_APPS / "flow"])  # warnings never stop the app


# -- problems --------------------------------------------------------------------------


def test_json_syntax_error_has_line_and_column(tmp_path):
    write_app(tmp_path, "crm", minimal_app(**{"entities/order.json": '{\n  "name": "order",\n}'}))
    (problem,) = collect_problems([tmp_path])
    assert problem.file == "crm/entities/order.json"
    assert problem.path == ""
    assert problem.message.startswith("invalid JSON: ")
    assert "(line 3, column 1)" in problem.message


@pytest.mark.parametrize(
    ("relative", "document"),
    [
        ("entities/client.json", {"name": "customer", "fields": [{"name": "x", "type": "text"}]}),
        (
            "processes/flow.json",
            {
                "name": "other",
                "entity": "customer",
                "start": "a",
                "states": [{"name": "a", "final": True}],
                "transitions": [],
            },
        ),
    ],
)
def test_name_must_equal_file_name(tmp_path, relative, document):
    write_app(tmp_path, "crm", minimal_app(**{relative: document}))
    problems = collect_problems([tmp_path])
    assert [(p.file, p.path) for p in problems] == [(f"crm/{relative}", "name")]
    assert "must equal the file name" in problems[0].message


def test_duplicate_app_names_are_a_problem(tmp_path):
    write_app(tmp_path / "one", "crm", minimal_app())
    write_app(tmp_path / "two", "sales", minimal_app("crm"))
    (problem,) = collect_problems([tmp_path / "one", tmp_path / "two"])
    assert problem.file == "sales/app.json"
    assert problem.message == "duplicate app name 'crm' (also in crm/app.json)"


def test_file_names_are_relative_to_the_folder_given(tmp_path):
    write_app(tmp_path, "crm", minimal_app(**{"entities/bad.json": {"name": "bad"}}))
    for given in (tmp_path, tmp_path / "crm"):
        (problem,) = collect_problems([given])
        assert problem.file == "crm/entities/bad.json"


def test_load_raises_with_every_problem(tmp_path):
    write_app(tmp_path, "crm", minimal_app(**{"entities/bad.json": {"name": "bad"}}))
    with pytest.raises(MetadataError) as raised:
        load([tmp_path])
    assert [str(p) for p in raised.value.problems] == [
        "crm/entities/bad.json: /: missing key 'fields'"
    ]


def test_several_problems_in_one_app_are_all_reported(tmp_path):
    documents = minimal_app(
        **{
            "entities/broken_json.json": "{",
            "entities/wrong_name.json": {
                "name": "other",
                "fields": [{"name": "a", "type": "text"}],
            },
            "entities/order.json": {
                "name": "order",
                "colour": "red",
                "fields": [
                    {"name": "customer", "type": "link", "to": "client"},
                    {"name": "amount", "type": "decimal", "scale": 4, "precision": 2},
                    {"name": "status", "type": "select"},
                ],
            },
        }
    )
    documents["entities/customer.json"]["fields"].append({"name": "_secret", "type": "text"})
    documents["app.json"]["menu"] = ["customer", "invoice"]
    write_app(tmp_path, "crm", documents)
    problems = collect_problems([tmp_path])
    assert [(p.file, p.path) for p in problems] == [
        ("crm/app.json", "menu/1"),
        ("crm/entities/broken_json.json", ""),
        ("crm/entities/customer.json", "fields/1/name"),
        ("crm/entities/order.json", ""),
        ("crm/entities/wrong_name.json", "name"),
    ]
    with pytest.raises(MetadataError) as raised:
        load([tmp_path])
    assert raised.value.problems == problems


def test_semantic_problems_of_valid_documents_are_reported_with_schema_ones(tmp_path):
    documents = minimal_app(**{"entities/bad.json": {"name": "bad", "fields": "none"}})
    documents["entities/customer.json"]["fields"].append(
        {"name": "size", "type": "integer", "min": 5, "max": 1}
    )
    write_app(tmp_path, "crm", documents)
    assert [(p.file, p.path) for p in collect_problems([tmp_path])] == [
        ("crm/entities/bad.json", "fields"),
        ("crm/entities/customer.json", "fields/1/min"),
    ]


def test_references_to_an_invalid_document_are_not_reported_twice(tmp_path):
    documents = minimal_app(
        **{
            "entities/order.json": {
                "name": "order",
                "fields": [{"name": "customer", "type": "link", "to": "customer"}],
                "process": "flow",
            },
            "processes/flow.json": {"name": "flow", "entity": "order"},
        }
    )
    documents["entities/customer.json"]["fields"][0]["type"] = 3
    documents["app.json"]["menu"] = ["customer", "order"]
    write_app(tmp_path, "crm", documents)
    problems = collect_problems([tmp_path])
    assert problems[1].message == "missing keys 'start', 'states', 'transitions'"
    assert [(p.file, p.path) for p in problems] == [
        ("crm/entities/customer.json", "fields/0/type"),
        ("crm/processes/flow.json", ""),
    ]


def test_collect_problems_never_raises(tmp_path):
    write_app(tmp_path, "crm", {"app.json": "not json"})
    (problem,) = collect_problems([tmp_path])
    assert problem.file == "crm/app.json"


class SignatureType(TextType):
    """A plugin's field type."""

    name = "signature"


def test_plugin_field_types_and_functions_are_accepted_when_given(tmp_path):
    documents = minimal_app()
    documents["entities/customer.json"]["fields"].append(
        {"name": "signed", "type": "signature", "visible_if": "vat(1) > 0"}
    )
    write_app(tmp_path, "crm", documents)
    assert len(collect_problems([tmp_path])) == 2
    types = builtin_registry()
    types.register(SignatureType())
    assert collect_problems([tmp_path], field_types=types, functions=["vat"]) == []


# -- the model built -------------------------------------------------------------------


def test_missing_label_falls_back_to_the_humanized_name(model):
    order = model.entity("shop.order")
    assert order.field("customer_name").label.text() == "Customer name"
    assert model.apps["shop"].roles[1].label.text("en") == "Shop manager"
    assert humanize("credit_limit") == "Credit limit"


def test_label_maps_are_kept(model):
    product = model.entity("shop.product")
    assert product.label.text("zh-CN") == "商品"
    assert product.label.text("en") == "Product"


def test_plain_options_become_options_with_their_value_as_label(model):
    product = model.entity("shop.product")
    assert product.field("category").options[0] == Option(
        "kitchen", product.field("category").options[0].label
    )
    assert product.field("category").options[0].label.text() == "kitchen"
    assert product.field("tags").options[1].label.text() == "sale"
    assert product.field("tags").options[1].color == "red"


def test_link_targets_are_qualified(model):
    assert model.entity("hr.leave_request").field("employee").to == "hr.employee"
    lines = model.entity("shop.order").field("lines")
    assert lines.column("product").to == "shop.product"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("user", dict(create=False, read="all", update=None, delete=None, import_=False)),
        ("shop_manager", dict(create=True, read="all", update="all", delete="all", import_=True)),
    ],
)
def test_permissions_are_normalized(model, role, expected):
    permission = next(p for p in model.entity("shop.product").permissions if p.role == role)
    for key, value in expected.items():
        assert getattr(permission, key) == value


def test_missing_list_gets_a_default(model):
    assert model.entity("shop.product").list == ListView(
        columns=("id", "_title", "name", "sku", "category", "tags"), sort="-_created_at"
    )


def test_default_list_of_a_numbered_entity_starts_with_the_number(tmp_path):
    documents = minimal_app()
    documents["entities/customer.json"]["numbering"] = "C-{seq:3}"
    write_app(tmp_path, "crm", documents)
    customer = load([tmp_path]).entity("crm.customer")
    assert customer.list.columns == ("_number", "_title", "company_name")


def test_default_list_skips_table_fields(model):
    hr_list = load([VALID / "hr_example"]).entity("hr.employee").list
    assert hr_list.columns[:2] == ("id", "_title")
    order_columns = model.entity("shop.order").list.columns
    assert "lines" not in order_columns


def test_missing_form_gets_one_section_with_every_field(model):
    product = model.entity("shop.product")
    assert product.form == (
        FormSection(label=product.label, fields=tuple(f.name for f in product.fields)),
    )


def test_form_sections_are_read(model):
    form = model.entity("hr.leave_request").form
    assert [s.columns for s in form] == [2, 1]
    assert form[1].fields == ("reason", "sick_note", "handover")


def test_field_keeps_its_document(model):
    photo = model.entity("shop.product").field("photo")
    assert photo.raw["max_size"] == 2000000
    assert photo.raw["accept"] == ["image/png", "image/jpeg", ".webp"]


def test_entity_source_and_app_path(model):
    assert model.entity("hr.leave_request").source == "hr_example/entities/leave_request.json"
    assert model.apps["hr"].path == str(VALID / "hr_example")
    assert model.apps["shop"].processes["order_flow"].source == "shop/processes/order_flow.json"


def test_process_is_parsed(model):
    process = model.apps["hr"].processes["leave_approval"]
    assert process.entity == "hr.leave_request"
    assert process.withdraw is True and process.cancel is False
    draft, manager, hr_review = process.states[:3]
    assert draft.editable == ("*",)
    assert manager.assignees == (Assignee("manager_of", "_created_by"),)
    assert manager.approval == Approval("any")
    assert manager.sla.due == "24h"
    assert manager.sla.on_breach["assign"] == [{"role": "hr_manager"}]
    assert hr_review.approval == Approval("all", "approve")
    assert hr_review.cc == (Assignee("field", "employee"),)
    assert process.state("approved").final
    submit, guarded, *_ = process.transitions
    assert submit.sources == ("draft",) and submit.by == "creator"
    assert submit.required == ("reason",)
    assert guarded.when == "days > 3" and guarded.by is None
    assert process.transitions[3].set == {"approved_on": "today()"}
    assert process.transitions[4].sources == ("manager_review", "hr_review")
    assert process.transitions[4].comment == "required"


def test_by_rules_and_previous_are_parsed(model):
    flow = model.apps["shop"].processes["order_flow"]
    ship = next(t for t in flow.transitions if t.name == "ship")
    assert ship.by == (Assignee("role", "clerk"), Assignee("user", "admin"))
    back = next(t for t in flow.transitions if t.name == "back")
    assert back.to == "@previous"
    review = flow.state("review")
    assert review.approval == Approval("all", "accept", "50%")
    assert flow.label.text() == "Order flow"


def test_model_is_immutable(model):
    with pytest.raises(TypeError):
        model.apps["x"] = None
    with pytest.raises(AttributeError):
        model.entity("shop.order").name = "other"
