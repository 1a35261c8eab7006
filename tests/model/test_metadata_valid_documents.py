"""Documents that passed schema validation are not validated again on the next load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from formflow.fields import builtin_registry
from formflow.metadata import valid_documents
from formflow.metadata.loader import load
from formflow.metadata.problems import MetadataError
from formflow.metadata.valid_documents import ValidDocuments

SHOP = Path(__file__).parents[1] / "metadata" / "valid" / "shop"


@pytest.fixture
def shop(tmp_path):
    return Path(shutil.copytree(SHOP, tmp_path / "apps" / "shop"))


@pytest.fixture
def validated(monkeypatch):
    """The kinds of the documents validated against the schemas, in order."""
    kinds = []
    validate_text = valid_documents.validate_text

    def counting(kind, text, file):
        kinds.append(kind)
        return validate_text(kind, text, file)

    monkeypatch.setattr(valid_documents, "validate_text", counting)
    return kinds


def _load(shop: Path, remembered: Path):
    valid = ValidDocuments(remembered)
    model = load(shop, field_types=builtin_registry(), validate=valid.validate)
    valid.save()
    return model


def test_a_second_load_validates_no_unchanged_document(shop, tmp_path, validated):
    remembered = tmp_path / "instance" / "metadata-valid.json"
    first = _load(shop, remembered)
    documents = len(validated)
    assert documents >= 3  # the app, its entities, its processes...
    second = _load(shop, remembered)
    assert len(validated) == documents  # none validated again
    assert second.apps.keys() == first.apps.keys()
    assert [e.qualified_name for e in second.entities()] == [
        e.qualified_name for e in first.entities()]


def test_a_changed_document_is_validated_again(shop, tmp_path, validated):
    remembered = tmp_path / "instance" / "metadata-valid.json"
    _load(shop, remembered)
    entity = next(shop.glob("entities/*.json"))
    document = json.loads(entity.read_text("utf-8"))
    document["colour"] = "red"
    entity.write_text(json.dumps(document), "utf-8")
    validated.clear()
    with pytest.raises(MetadataError) as raised:
        _load(shop, remembered)
    assert validated == ["entity"]
    assert any("colour" in problem.message for problem in raised.value.problems)


def test_documents_remembered_under_other_schemas_are_validated(shop, tmp_path, validated):
    remembered = tmp_path / "instance" / "metadata-valid.json"
    _load(shop, remembered)
    saved = json.loads(remembered.read_text("utf-8"))
    remembered.write_text(json.dumps({**saved, "schemas": "older"}), "utf-8")
    validated.clear()
    _load(shop, remembered)
    assert len(validated) == len(saved["documents"])


def test_an_unreadable_record_means_validating_again(shop, tmp_path, validated):
    remembered = tmp_path / "instance" / "metadata-valid.json"
    remembered.parent.mkdir()
    remembered.write_text("{not json", "utf-8")
    _load(shop, remembered)
    assert validated
    assert json.loads(remembered.read_text("utf-8"))["documents"]


def test_a_record_that_cannot_be_written_is_no_problem(shop, tmp_path, validated):
    (tmp_path / "instance").write_text("a file, not a folder", "utf-8")
    model = _load(shop, tmp_path / "instance" / "metadata-valid.json")
    assert model.apps and validated
