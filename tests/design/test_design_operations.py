"""The design operations engine: every operation on every kind of path, over a
documents dict, and the documents it makes pass the metadata checker."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from formflow.design.diff import describe_changes
from formflow.design.operations import OperationError, apply_ops
from formflow.fields import builtin_registry
from formflow.metadata.loader import check_site_app
from formflow.metadata.model import Model

ENTITY = {
    "name": "vehicle",
    "fields": [
        {"name": "plate", "type": "text"},
        {"name": "tel", "type": "text"},
        {"name": "kind", "type": "select", "options": ["car", {"value": "van", "label": "Van"}]},
        {"name": "lines", "type": "table", "fields": [{"name": "part", "type": "text"}]},
    ],
    "form": {"sections": [{"name": "main", "fields": ["plate", "tel"]},
                         {"name": "more", "fields": ["kind", "lines"]}]},
    "list": {"columns": ["plate", "tel"], "search": ["tel"], "sort": "-tel"},
    "title": "{plate} {tel}",
    "permissions": [{"role": "user", "create": True, "read": "all"}],
    "process": "check",
}
PROCESS = {
    "name": "check", "entity": "vehicle", "start": "draft",
    "states": [{"name": "draft", "editable": ["tel"]}, {"name": "done", "final": True}],
    "transitions": [{"name": "finish", "from": "draft", "to": "done", "required": ["tel"]}],
}


def documents() -> dict:
    return {"app.json": {"name": "fleet", "menu": ["vehicle"],
                         "roles": [{"name": "driver"}]},
            "entities/vehicle.json": ENTITY, "processes/check.json": PROCESS}


def run(*ops, published=None) -> dict:
    result = apply_ops(documents(), list(ops), published=published)
    _, problems = check_site_app(Model(apps=MappingProxyType({})), "fleet", result,
                                 field_types=builtin_registry())
    assert [str(p) for p in problems if not p.is_warning] == []
    return result


def entity(result: dict) -> dict:
    return result["entities/vehicle.json"]


def names(items: list) -> list:
    return [i if isinstance(i, str) else i.get("name", i.get("value")) for i in items]


def test_the_documents_given_are_never_changed():
    given = documents()
    apply_ops(given, [{"op": "remove", "path": "entities/vehicle/fields/tel"}])
    assert given == documents()


# -- app -----------------------------------------------------------------------------


def test_set_an_app_property():
    assert run({"op": "set", "path": "app/label", "value": {"en": "Fleet"}})[
        "app.json"]["label"] == {"en": "Fleet"}


def test_set_the_whole_app_document_keeps_its_name():
    result = run({"op": "set", "path": "app", "value": {"label": "F", "menu": ["vehicle"]}})
    assert result["app.json"] == {"name": "fleet", "label": "F", "menu": ["vehicle"]}


def test_add_rename_order_and_remove_a_role():
    result = run({"op": "add", "path": "app/roles/boss", "value": {"label": "Boss"}, "after": ""},
                 {"op": "set", "path": "app/roles/boss/name", "value": "chief"},
                 {"op": "order", "path": "app/roles/chief", "after": "driver"})
    assert result["app.json"]["roles"] == [{"name": "driver"}, {"name": "chief", "label": "Boss"}]
    result = run({"op": "remove", "path": "app/roles/driver"})
    assert result["app.json"]["roles"] == []


def test_order_the_menu_by_sending_it_in_its_new_order():
    result = run({"op": "add", "path": "entities/car", "value": {"fields": [
        {"name": "x", "type": "text"}]}},
        {"op": "order", "path": "app/menu", "value": ["car", "vehicle"]})
    assert result["app.json"]["menu"] == ["car", "vehicle"]


# -- entities and fields ------------------------------------------------------------------


def test_add_an_entity_puts_it_in_the_menu_and_remove_takes_it_out():
    result = run({"op": "add", "path": "entities/car",
                  "value": {"name": "car", "fields": [{"name": "x", "type": "text"}]}})
    assert result["entities/car.json"]["name"] == "car"
    assert result["app.json"]["menu"] == ["vehicle", "car"]
    result = apply_ops(result, [{"op": "remove", "path": "entities/car"}])
    assert "entities/car.json" not in result and result["app.json"]["menu"] == ["vehicle"]


def test_rename_an_unpublished_entity_moves_its_document_and_references():
    result = run({"op": "set", "path": "entities/vehicle/name", "value": "car"})
    assert "entities/vehicle.json" not in result
    assert result["entities/car.json"]["name"] == "car"
    assert result["app.json"]["menu"] == ["car"]
    assert result["processes/check.json"]["entity"] == "car"


def test_a_published_entity_cannot_be_renamed():
    with pytest.raises(OperationError) as error:
        run({"op": "set", "path": "entities/vehicle/name", "value": "car"},
            published=documents())
    assert error.value.message.key == "design_published_rename"


def test_set_an_entity_property():
    assert entity(run({"op": "set", "path": "entities/vehicle/numbering",
                       "value": "V-{seq:4}"}))["numbering"] == "V-{seq:4}"


def test_add_a_field_after_another():
    result = run({"op": "add", "path": "entities/vehicle/fields/vin",
                  "value": {"type": "text", "label": {"en": "VIN", "zh-CN": "车架号"}},
                  "after": "plate"})
    assert names(entity(result)["fields"]) == ["plate", "vin", "tel", "kind", "lines"]
    assert entity(result)["fields"][1] == {"name": "vin", "type": "text",
                                           "label": {"en": "VIN", "zh-CN": "车架号"}}


def test_set_a_field_property_and_clear_it_with_null():
    result = run({"op": "set", "path": "entities/vehicle/fields/tel/required", "value": True},
                 {"op": "set", "path": "entities/vehicle/fields/tel/max_length", "value": 20},
                 {"op": "set", "path": "entities/vehicle/fields/tel/required", "value": None})
    assert entity(result)["fields"][1] == {"name": "tel", "type": "text", "max_length": 20}


def test_rename_a_field_renames_it_in_form_list_title_and_process():
    result = run({"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"})
    doc = entity(result)
    assert doc["fields"][1] == {"name": "phone", "type": "text"}  # never published
    assert doc["form"]["sections"][0]["fields"] == ["plate", "phone"]
    assert doc["list"] == {"columns": ["plate", "phone"], "search": ["phone"], "sort": "-phone"}
    assert doc["title"] == "{plate} {phone}"
    process = result["processes/check.json"]
    assert process["states"][0]["editable"] == ["phone"]
    assert process["transitions"][0]["required"] == ["phone"]


def test_rename_a_published_field_records_renamed_from_once():
    published = documents()
    result = run({"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"},
                 {"op": "set", "path": "entities/vehicle/fields/phone/name", "value": "mobile"},
                 published=published)
    assert entity(result)["fields"][1] == {"name": "mobile", "type": "text",
                                           "renamed_from": "tel"}
    back = apply_ops(result, [{"op": "set", "path": "entities/vehicle/fields/mobile/name",
                               "value": "tel"}], published=published)
    assert entity(back)["fields"][1] == {"name": "tel", "type": "text"}


def test_rename_to_a_name_taken_is_refused():
    with pytest.raises(OperationError) as error:
        run({"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "plate"})
    assert error.value.message.key == "design_exists"


def test_hide_a_field_keeps_it_and_takes_it_off_form_and_list():
    doc = entity(run({"op": "hide", "path": "entities/vehicle/fields/tel"}))
    assert doc["fields"][1] == {"name": "tel", "type": "text", "visible_if": "False"}
    assert doc["form"]["sections"][0]["fields"] == ["plate"]
    assert doc["list"] == {"columns": ["plate"], "sort": "-tel"}


def test_hide_an_option_keeps_it_marked_hidden():
    doc = entity(run({"op": "hide", "path": "entities/vehicle/fields/kind/options/car"},
                     {"op": "hide", "path": "entities/vehicle/fields/kind/options/van"}))
    assert doc["fields"][2]["options"] == [{"value": "car", "hidden": True},
                                           {"value": "van", "label": "Van", "hidden": True}]
    with pytest.raises(OperationError) as error:
        run({"op": "hide", "path": "processes/check/states/draft"})
    assert error.value.message.key == "design_hide_fields_only"


def test_remove_a_field_takes_it_off_form_and_list():
    result = run({"op": "remove", "path": "entities/vehicle/fields/tel"},
                 {"op": "set", "path": "entities/vehicle/list/sort", "value": "plate"},
                 {"op": "set", "path": "entities/vehicle/title", "value": "{plate}"},
                 {"op": "set", "path": "processes/check/states/draft/editable", "value": "*"},
                 {"op": "set", "path": "processes/check/transitions/finish@draft/required",
                  "value": None})
    assert names(entity(result)["fields"]) == ["plate", "kind", "lines"]


def test_order_a_field_first_and_after_another():
    result = run({"op": "order", "path": "entities/vehicle/fields/lines"},
                 {"op": "order", "path": "entities/vehicle/fields/plate", "after": "kind"})
    assert names(entity(result)["fields"]) == ["lines", "tel", "kind", "plate"]


def test_order_all_fields_at_once_must_name_each_once():
    result = run({"op": "order", "path": "entities/vehicle/fields",
                  "value": ["kind", "lines", "tel", "plate"]})
    assert names(entity(result)["fields"]) == ["kind", "lines", "tel", "plate"]
    with pytest.raises(OperationError):
        run({"op": "order", "path": "entities/vehicle/fields", "value": ["kind"]})


def test_table_columns_are_fields_of_the_table_field():
    result = run({"op": "add", "path": "entities/vehicle/fields/lines/fields/qty",
                  "value": {"type": "integer"}, "after": ""},
                 {"op": "set", "path": "entities/vehicle/fields/lines/fields/part/required",
                  "value": True},
                 {"op": "set", "path": "entities/vehicle/fields/lines/fields/part/name",
                  "value": "item"},
                 {"op": "hide", "path": "entities/vehicle/fields/lines/fields/qty"})
    assert entity(result)["fields"][3]["fields"] == [
        {"name": "qty", "type": "integer", "visible_if": "False"},
        {"name": "item", "type": "text", "required": True}]
    result = apply_ops(result, [{"op": "remove",
                                 "path": "entities/vehicle/fields/lines/fields/qty"}])
    assert names(entity(result)["fields"][3]["fields"]) == ["item"]


def test_table_column_rename_records_renamed_from_when_published():
    result = run({"op": "set", "path": "entities/vehicle/fields/lines/fields/part/name",
                  "value": "item"}, published=documents())
    assert entity(result)["fields"][3]["fields"][0]["renamed_from"] == "part"


def test_options_by_value():
    result = run({"op": "add", "path": "entities/vehicle/fields/kind/options/truck",
                  "value": {"label": {"en": "Truck", "zh-CN": "卡车"}, "color": "red"},
                  "after": "car"},
                 {"op": "set", "path": "entities/vehicle/fields/kind/options/van/label",
                  "value": "Minivan"},
                 {"op": "set", "path": "entities/vehicle/fields/kind/options/car/value",
                  "value": "auto"},
                 {"op": "order", "path": "entities/vehicle/fields/kind/options/van"},
                 {"op": "add", "path": "entities/vehicle/fields/kind/options/bike"})
    assert entity(result)["fields"][2]["options"] == [
        {"value": "van", "label": "Minivan"}, {"value": "auto"},
        {"value": "truck", "label": {"en": "Truck", "zh-CN": "卡车"}, "color": "red"}, "bike"]
    result = apply_ops(result, [{"op": "remove",
                                 "path": "entities/vehicle/fields/kind/options/auto"}])
    assert names(entity(result)["fields"][2]["options"]) == ["van", "truck", "bike"]


def test_form_sections_by_name():
    result = run({"op": "add", "path": "entities/vehicle/form/sections/extra",
                  "value": {"label": "Extra", "columns": 2, "fields": ["tel"]}, "after": "main"},
                 {"op": "set", "path": "entities/vehicle/form/sections/main/fields",
                  "value": ["plate"]},
                 {"op": "order", "path": "entities/vehicle/form/sections/more"},
                 {"op": "remove", "path": "entities/vehicle/form/sections/main"})
    assert entity(result)["form"]["sections"] == [
        {"name": "more", "fields": ["kind", "lines"]},
        {"name": "extra", "label": "Extra", "columns": 2, "fields": ["tel"]}]


def test_the_first_section_makes_the_form_and_the_last_one_removes_it():
    base = apply_ops(documents(), [{"op": "remove", "path": "entities/vehicle/form"}])
    result = apply_ops(base, [{"op": "add", "path": "entities/vehicle/form/sections/s",
                               "value": {"fields": ["plate"]}}])
    assert entity(result)["form"] == {"sections": [{"name": "s", "fields": ["plate"]}]}
    result = apply_ops(result, [{"op": "remove", "path": "entities/vehicle/form/sections/s"}])
    assert "form" not in entity(result)


def test_the_list_and_its_properties():
    result = run({"op": "set", "path": "entities/vehicle/list",
                  "value": {"columns": ["_number", "plate"], "filters": ["kind"]}},
                 {"op": "set", "path": "entities/vehicle/list/sort", "value": "-_created_at"})
    assert entity(result)["list"] == {"columns": ["_number", "plate"], "filters": ["kind"],
                                      "sort": "-_created_at"}
    assert "list" not in entity(run({"op": "remove", "path": "entities/vehicle/list"}))


def test_permissions_by_role():
    result = run({"op": "add", "path": "entities/vehicle/permissions/driver",
                  "value": {"read": "own", "update": "own"}},
                 {"op": "set", "path": "entities/vehicle/permissions/user/read",
                  "value": "department"},
                 {"op": "set", "path": "entities/vehicle/permissions/driver",
                  "value": {"read": "all"}})
    assert entity(result)["permissions"] == [
        {"role": "user", "create": True, "read": "department"},
        {"role": "driver", "read": "all"}]
    result = apply_ops(result, [{"op": "remove", "path": "entities/vehicle/permissions/user"}])
    assert entity(result)["permissions"] == [{"role": "driver", "read": "all"}]


# -- processes ----------------------------------------------------------------------------


def test_add_and_remove_a_process():
    result = run({"op": "add", "path": "processes/other",
                  "value": {"entity": "vehicle", "start": "a",
                            "states": [{"name": "a", "final": True}], "transitions": []}})
    assert result["processes/other.json"]["name"] == "other"
    assert "processes/other.json" not in apply_ops(
        result, [{"op": "remove", "path": "processes/other"}])


def test_set_a_process_property_and_rename_an_unpublished_process():
    result = run({"op": "set", "path": "processes/check/withdraw", "value": True},
                 {"op": "set", "path": "processes/check/name", "value": "review"})
    assert result["processes/review.json"]["withdraw"] is True
    assert entity(result)["process"] == "review"


def test_states_by_name_and_a_renamed_state_is_renamed_in_transitions():
    result = run({"op": "add", "path": "processes/check/states/review",
                  "value": {"assignees": [{"role": "driver"}]}, "after": "draft"},
                 {"op": "add", "path": "processes/check/transitions/send@draft",
                  "value": {"to": "review"}, "after": ""},
                 {"op": "add", "path": "processes/check/transitions/approve@review",
                  "value": {"to": "done"}},
                 {"op": "set", "path": "processes/check/states/draft/name", "value": "new"})
    process = result["processes/check.json"]
    assert process["start"] == "new"
    assert [s["name"] for s in process["states"]] == ["new", "review", "done"]
    assert [(t["name"], t["from"], t["to"]) for t in process["transitions"]] == [
        ("send", "new", "review"), ("finish", "new", "done"), ("approve", "review", "done")]


def test_transitions_by_name_and_source():
    result = run({"op": "set", "path": "processes/check/transitions/finish@draft/when",
                  "value": "tel != ''"},
                 {"op": "set", "path": "processes/check/transitions/finish@draft/comment",
                  "value": "optional"})
    assert result["processes/check.json"]["transitions"][0]["when"] == "tel != ''"
    with pytest.raises(OperationError):
        run({"op": "add", "path": "processes/check/transitions/finish@draft",
             "value": {"to": "done"}})
    result = apply_ops(documents(), [
        {"op": "remove", "path": "processes/check/transitions/finish@draft"}])
    assert result["processes/check.json"]["transitions"] == []


def test_conditional_branches_of_one_action_are_told_apart_by_their_target():
    result = run({"op": "add", "path": "processes/check/states/review",
                  "value": {"assignees": [{"role": "driver"}]}, "after": "draft"},
                 {"op": "add", "path": "processes/check/transitions/finish@draft>review",
                  "value": {"when": "tel != ''"}, "after": ""},
                 {"op": "add", "path": "processes/check/transitions/approve@review",
                  "value": {"to": "done"}},
                 {"op": "set", "path": "processes/check/transitions/finish@draft>done/comment",
                  "value": "optional"})
    transitions = result["processes/check.json"]["transitions"]
    assert transitions[0] == {"name": "finish", "from": "draft", "to": "review",
                              "when": "tel != ''"}
    assert transitions[1]["comment"] == "optional" and "comment" not in transitions[0]
    with pytest.raises(OperationError):
        run({"op": "add", "path": "processes/check/transitions/finish@draft>review",
             "value": {"to": "done"}})


def test_a_failing_op_names_its_index():
    with pytest.raises(OperationError) as error:
        apply_ops(documents(), [{"op": "set", "path": "app/label", "value": "x"},
                                {"op": "add", "path": "entities/vehicle/fields/tel"}])
    assert error.value.index == 1
    assert error.value.message.key == "design_exists"



def test_a_version_says_what_it_changed_by_name():
    after = apply_ops(documents(), [
        {"op": "set", "path": "entities/vehicle/fields/tel/name", "value": "phone"},
        {"op": "set", "path": "entities/vehicle/fields/plate/required", "value": True},
        {"op": "add", "path": "processes/check/states/review", "value": {}, "after": "draft"},
        {"op": "set", "path": "app/label", "value": "Fleet"}], published=documents())
    assert describe_changes(documents(), after) == [
        "app: changes label",
        "entity vehicle: changes field plate (required)",
        "entity vehicle: renames field tel → phone",
        "entity vehicle: changes form",
        "entity vehicle: changes list",
        "entity vehicle: changes title",
        "process check: adds state review",
        "process check: changes state draft (editable)",
        "process check: changes transition finish@draft (required)",
    ]
    assert describe_changes({}, after)[0] == "adds app"
