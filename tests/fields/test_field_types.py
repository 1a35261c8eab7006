"""Field types own everything about their type: a plugin type with no code beyond its
name and column gets a form widget, a shown value, an OpenAPI schema and CSV import and
export; every type describes the properties a field of it accepts (the designer's
property panel), and the shipped apps keep to them."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from formflow.fields import builtin_registry
from formflow.io.importing import ImportFailed
from support import SHIPPED_APPS
from support.helpers import database_state
from support.io_support import csv_bytes, exported, read_csv
from support.plugin_support import plugin_env_factory
from support.web_support import sign_in

PLUGIN = '''
import sqlalchemy as sa

from formflow.fields.base import FieldType
from formflow.fields.numbers import DecimalType
from formflow.plugins import hookimpl

MANIFEST = {"name": "probe", "version": "1"}


class Colour(FieldType):
    name = "colour"

    def column_type(self, field):
        return sa.String(40)


class Weight(DecimalType):
    name = "weight"


@hookimpl
def register_field_types():
    return [Colour(), Weight()]
'''
WITH_TEMPLATES = PLUGIN + '''

@hookimpl
def template_folders():
    from pathlib import Path
    return [str(Path(__file__).parent / "probe_templates")]
'''
SWATCH = "swatch/swatch"


def write_swatch_app(folder):
    app = folder / "swatch"
    (app / "entities").mkdir(parents=True)
    (app / "app.json").write_text(json.dumps({"name": "swatch", "menu": ["swatch"]}))
    (app / "entities" / "swatch.json").write_text(json.dumps({
        "name": "swatch",
        "title": "{name}",
        "fields": [{"name": "name", "type": "text", "required": True},
                   {"name": "colour", "type": "colour", "label": {"en": "Colour"}},
                   {"name": "weight", "type": "weight", "scale": 1}],
        "permissions": [{"role": "user", "create": True, "read": "all", "update": "all",
                         "export": True, "import": True}],
    }))
    return folder


@pytest.fixture
def swatches(make_app, tmp_path):
    env = plugin_env_factory(make_app, tmp_path)
    return env(PLUGIN, apps=[write_swatch_app(tmp_path / "apps")])


def test_a_plugin_type_without_a_template_gets_the_generic_input(swatches):
    swatches.user("ann")
    client = swatches.app.test_client()
    sign_in(client, "ann")
    page = client.get(f"/{SWATCH}/new").get_data(as_text=True)
    assert '<input type="text" class="form-control" value="" id="f-colour" name="colour"' in page


def test_a_plugin_type_derived_from_a_number_behaves_as_a_number(swatches):
    user = swatches.user("ann")
    api = swatches.api("ann")
    assert api.post(SWATCH, json={"name": "Lead", "weight": "-5.5"}).status_code == 201
    client = swatches.app.test_client()
    sign_in(client, "ann")
    form = client.get(f"/{SWATCH}/new").get_data(as_text=True)
    assert '<input type="text" class="form-control text-end" value="" id="f-weight"' in form
    assert 'inputmode="decimal"' in form
    listing = client.get(f"/{SWATCH}/").get_data(as_text=True)
    assert '<span class="ff-number">-5.5</span>' in listing
    document = api.get("openapi.json").get_json()
    schema = document["components"]["schemas"]["swatch.swatch"]["properties"]["weight"]
    assert schema["pattern"] == r"^-?\d+(\.\d+)?$"
    (row,) = read_csv(exported(swatches.runtime, user, "swatch.swatch"))
    assert row["weight"] == "-5.5"  # a number: no formula escaping


def test_a_plugin_type_value_is_saved_from_the_form_and_shown_as_text(swatches):
    swatches.user("ann")
    client = swatches.app.test_client()
    token = sign_in(client, "ann")
    saved = client.post(f"/{SWATCH}/new", data={
        "name": "Sea", "colour": "  teal  ", "csrf_token": token})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:300]
    (record,) = swatches.api("ann").get(SWATCH).get_json()["items"]
    assert record["colour"] == "teal"
    assert "teal" in client.get(f"/{SWATCH}/{record['id']}").get_data(as_text=True)


def test_a_plugin_type_template_replaces_the_generic_input(make_app, tmp_path):
    templates = tmp_path / "plugins" / "probe_templates" / "fields"
    templates.mkdir(parents=True)
    (templates / "colour.html").write_text(
        '{% macro widget(field, n, v, st, errs, view, label, autofocus, lang, common, '
        'invalid) %}<input type="color" value="{{ v }}"{{ common }}>{% endmacro %}')
    env = plugin_env_factory(make_app, tmp_path)
    swatches = env(WITH_TEMPLATES, apps=[write_swatch_app(tmp_path / "apps")])
    swatches.user("ann")
    client = swatches.app.test_client()
    sign_in(client, "ann")
    page = client.get(f"/{SWATCH}/new").get_data(as_text=True)
    assert '<input type="color" value="" id="f-colour" name="colour"' in page


def test_a_plugin_type_is_described_in_the_openapi_document(swatches):
    document = swatches.api("ann").get("openapi.json").get_json()
    schema = document["components"]["schemas"]["swatch.swatch"]["properties"]["colour"]
    assert schema == {"type": ["string", "null"], "title": "Colour"}


def test_a_plugin_type_round_trips_through_csv(swatches):
    user = swatches.user("ann")
    api = swatches.api("ann")
    for name, colour in (("Sea", "teal"), ("Sum", "=1+1")):
        assert api.post(SWATCH, json={"name": name, "colour": colour}).status_code == 201
    rows = read_csv(exported(swatches.runtime, user, "swatch.swatch"))
    assert [(r["name"], r["colour"]) for r in rows] == [("Sum", "'=1+1"), ("Sea", "teal")]

    data = csv_bytes([["name", "colour"], *((r["name"] + " 2", r["colour"]) for r in rows)])
    swatches.runtime.importer.run(user, "swatch.swatch", data)
    items = api.get(f"{SWATCH}?sort=name").get_json()["items"]
    assert [(r["name"], r["colour"]) for r in items] == [
        ("Sea", "teal"), ("Sea 2", "teal"), ("Sum", "=1+1"), ("Sum 2", "=1+1")]


def test_a_plugin_type_is_in_the_designer_palette(swatches):
    palette = {entry["name"]: entry for entry in swatches.runtime.field_types.palette()}
    assert set(builtin_registry()) | {"colour", "weight"} == set(palette)
    colour = palette["colour"]["property_schema"]
    Draft202012Validator.check_schema(colour)
    assert "options" not in colour["properties"]
    assert palette["select"]["label"] == {"en": "Choice", "zh-CN": "单选"}


# -- property schemas -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(builtin_registry()))
def test_each_type_property_schema_is_valid_json_schema(name):
    schema = builtin_registry()[name].property_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"] == {**schema["properties"]["type"], "const": name}
    for prop in schema["properties"].values():
        assert set(prop["x-label"]) == {"en", "zh-CN"}


def shipped_fields():
    for path in sorted(SHIPPED_APPS.glob("*/entities/*.json")):
        document = json.loads(path.read_text())
        for field in document["fields"]:
            where = f"{path.parent.parent.name}.{document['name']}.{field['name']}"
            yield pytest.param(field, id=where)
            for column in field.get("fields", ()):
                yield pytest.param(column, id=f"{where}.{column['name']}")


@pytest.mark.parametrize("field", list(shipped_fields()))
def test_every_shipped_field_keeps_to_its_type_property_schema(field):
    schema = builtin_registry()[field["type"]].property_schema()
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(field)]
    assert errors == []


@pytest.mark.parametrize(("field", "problem"), [
    ({"name": "kind", "type": "select"}, "'options' is a required property"),
    ({"name": "n", "type": "integer", "options": ["a"]}, "'options' was unexpected"),
    ({"name": "n", "type": "text", "default": 3}, "3 is not of type 'string'"),
    ({"name": "who", "type": "link", "to": "crm.customer", "scale": 2}, "'scale' was unexpected"),
])
def test_a_property_schema_refuses_what_its_type_does_not_take(field, problem):
    schema = builtin_registry()[field["type"]].property_schema()
    messages = [e.message for e in Draft202012Validator(schema).iter_errors(field)]
    assert any(problem in m for m in messages), messages


def test_a_refused_plugin_type_import_writes_nothing(swatches):
    user = swatches.user("ann")
    before = database_state(swatches.runtime)
    data = csv_bytes([["name", "colour"], ["Sea", "teal"], ["", "navy"]])
    with pytest.raises(ImportFailed) as refused:
        swatches.runtime.importer.run(user, "swatch.swatch", data)
    assert {path: [m.key for m in ms] for path, ms in refused.value.errors.items()} == {
        "row 3.name": ["required"]}
    assert database_state(swatches.runtime) == before
