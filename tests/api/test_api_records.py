"""The REST API on one record: create, read, update with optimistic locking, soft delete,
restore, history, and validation problems in the caller's language."""

from __future__ import annotations

import json

import pytest

from support.helpers import PARTNERS, SAMPLES, counting_queries, module_app, problem


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("api-records")) as app:
        yield app


@pytest.fixture
def api(admin_api):
    return admin_api


def create(api, **values) -> dict:
    response = api.post(SAMPLES, json={"name": "Sample", **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def url(record: dict) -> str:
    return f"{SAMPLES}/{record['id']}"


# -- create and read ------------------------------------------------------------------


def test_create_answers_201_with_location_and_etag(api):
    response = api.post(SAMPLES, json={"name": "Created", "quantity": 3})
    assert response.status_code == 201
    record = response.get_json()
    assert response.headers["Location"] == f"/api/v1/{SAMPLES}/{record['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (record["name"], record["quantity"], record["_version"]) == ("Created", 3, 1)
    assert api.get(response.headers["Location"]).get_json() == record


def test_get_answers_the_record_with_its_version_as_etag(api):
    record = create(api)
    api.patch(url(record), json={"quantity": 1})
    response = api.get(url(record))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["_version"] == 2


def test_a_record_is_a_flat_object_of_fields_and_system_fields(api):
    partner = api.post(PARTNERS, json={"name": "Acme"}).get_json()
    record = create(
        api,
        price="12.5",
        due="2026-05-01",
        partner=partner["id"],
        lines=[{"item": "Bolt", "qty": 2, "unit_price": "1.25"}],
    )
    assert record["price"] == "12.50"  # decimals are strings
    assert record["due"] == "2026-05-01"
    assert record["partner"] == partner["id"]  # links are ids
    assert record["owner"] == "admin"  # users are names
    assert record["lines"] == [
        {"item": "Bolt", "qty": 2, "unit_price": "1.25", "amount": "2.50", "discounted": "2.50"}
    ]
    assert {
        "id",
        "_number",
        "_title",
        "_version",
        "_created_at",
        "_created_by",
        "_updated_at",
        "_updated_by",
        "_deleted_at",
    } <= set(record)


@pytest.mark.parametrize("path", [f"{SAMPLES}/999999", "lab/nothing", "nowhere/sample/1"])
def test_an_unknown_record_or_entity_is_404(api, path):
    problem(api.get(path), 404)


@pytest.mark.parametrize("record_id", [2**31, 2**63, 10**20])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "history", "restore"])
def test_an_id_too_large_to_be_stored_is_404(api, method, record_id):
    path = f"{SAMPLES}/{record_id}"
    if method in ("history", "restore"):
        method, path = ("GET" if method == "history" else "POST"), f"{path}/{method}"
    problem(api._call(method, path, json={"name": "Xy"}), 404)


# -- update and optimistic locking ---------------------------------------------------------


def test_patch_with_the_current_etag_updates(api):
    record = create(api)
    response = api.patch(url(record), json={"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["name"] == "Renamed"


def test_patch_with_a_stale_if_match_is_412_and_writes_nothing(api, state):
    record = create(api)
    api.patch(url(record), json={"name": "Second"})
    before = state()
    body = problem(api.patch(url(record), json={"name": "Third"}, headers={"If-Match": '"1"'}), 412)
    assert "2" in body["detail"]  # the current version
    assert state() == before


def test_patch_with_a_stale_version_in_the_body_is_412_and_writes_nothing(api, state):
    record = create(api)
    api.patch(url(record), json={"name": "Second"})
    before = state()
    problem(api.patch(url(record), json={"name": "Third", "_version": 1}), 412)
    assert state() == before


def test_a_record_read_back_and_sent_again_with_its_version_is_accepted(api):
    record = create(api, lines=[{"item": "Bolt", "qty": 2, "unit_price": "1.25"}])
    response = api.patch(url(record), json={**record, "name": "Edited"})
    assert response.status_code == 200
    assert response.get_json()["_version"] == 2


def test_the_second_of_two_patches_from_one_etag_is_412(api, state):
    record = create(api)
    first = api.patch(url(record), json={"name": "Ann"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    before = state()
    second = api.patch(url(record), json={"name": "Bob"}, headers={"If-Match": '"1"'})
    assert "2" in problem(second, 412)["detail"]  # the version that won
    assert state() == before
    assert api.get(url(record)).get_json()["name"] == "Ann"


@pytest.mark.parametrize("tag", ['"abc"', '"1.5"', '"²"', '"' + "9" * 40 + '"', "", "  "])
def test_a_malformed_if_match_is_400(api, tag):
    record = create(api)
    problem(api.patch(url(record), json={"name": "Xy"}, headers={"If-Match": tag}), 400)


@pytest.mark.parametrize("version", ["abc", "²", 0, -1, True, 1.5, "9" * 40])
def test_a_malformed_version_in_the_body_is_422(api, version, state):
    record = create(api)
    before = state()
    body = problem(api.patch(url(record), json={"name": "Xy", "_version": version}), 422)
    assert list(body["errors"]) == ["_version"]
    assert state() == before


# -- delete, restore, history ------------------------------------------------------------


def test_delete_is_soft_and_restore_brings_the_record_back(api):
    record = create(api, name="Ephemeral")
    response = api.delete(url(record))
    assert response.status_code == 204
    problem(api.get(url(record)), 404)
    problem(api.patch(url(record), json={"name": "Zombie"}), 404)
    assert api.get(f"{SAMPLES}?name=Ephemeral").get_json()["total"] == 0
    restored = api.post(f"{url(record)}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["_deleted_at"] is None
    assert api.get(url(record)).get_json()["name"] == "Ephemeral"
    assert api.get(f"{SAMPLES}?name=Ephemeral").get_json()["total"] == 1


def test_delete_with_a_stale_if_match_is_412_and_deletes_nothing(api, state):
    record = create(api)
    api.patch(url(record), json={"name": "Second"})
    before = state()
    problem(api.delete(url(record), headers={"If-Match": '"1"'}), 412)
    assert state() == before


def test_history_lists_changes_oldest_first(api):
    record = create(api, quantity=1)
    api.patch(url(record), json={"quantity": 2})
    api.delete(url(record))
    api.post(f"{url(record)}/restore")
    response = api.get(f"{url(record)}/history")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["action"] for item in items] == ["create", "update", "delete", "restore"]
    assert all(item["actor"] == "admin" for item in items)
    assert items[1]["changes"] == {"quantity": {"old": 1, "new": 2}}
    assert [item["at"] for item in items] == sorted(item["at"] for item in items)


# -- validation problems -------------------------------------------------------------------


def test_a_validation_problem_is_in_chinese_by_default(api):
    body = problem(api.post(SAMPLES, json={"quantity": -1}), 422)
    assert body["detail"] == "部分数据不正确。"
    assert body["errors"] == {"name": ["此项为必填项。"], "quantity": ["不能小于 0。"]}


def test_a_validation_problem_is_in_english_when_asked(api):
    response = api.post(SAMPLES, json={"quantity": -1}, headers={"Accept-Language": "en-US,en"})
    body = problem(response, 422)
    assert body["detail"] == "Some values are not valid."
    assert body["errors"] == {
        "name": ["This field is required."],
        "quantity": ["Must be at least 0."],
    }


def test_line_item_errors_are_named_by_their_path(api):
    lines = [{"item": "A", "qty": 1, "unit_price": "1"}] * 2 + [
        {"item": "C", "qty": "two", "unit_price": "1"}
    ]
    body = problem(
        api.post(
            SAMPLES, json={"name": "Lines", "lines": lines}, headers={"Accept-Language": "en"}
        ),
        422,
    )
    assert body["errors"] == {"lines[2].qty": ["Enter a whole number."]}


def test_an_unknown_field_in_the_body_is_422_and_writes_nothing(api, state):
    record = create(api)
    before = state()
    body = problem(api.post(SAMPLES, json={"name": "Xy", "nmae": "typo"}), 422)
    assert list(body["errors"]) == ["nmae"]
    body = problem(api.patch(url(record), json={"lines": [{"itme": "typo"}]}), 422)
    assert body["errors"]["lines[0].itme"] == ["未知字段。"]
    assert state() == before


@pytest.mark.parametrize("body", [[], ["name"], "name", 42, None])
def test_a_body_that_is_not_an_object_is_422(api, body, state):
    before = state()
    sent = json.dumps(body)
    problem(api.post(SAMPLES, data=sent, headers={"Content-Type": "application/json"}), 422)
    assert state() == before


def test_a_unique_value_in_use_is_422_on_the_field(api, state):
    create(api, code="APU01")
    before = state()
    body = problem(api.post(SAMPLES, json={"name": "Twin", "code": "APU01"}), 422)
    assert list(body["errors"]) == ["code"]
    assert state() == before


def test_restoring_when_the_unique_value_was_reused_is_422(api, state):
    old = create(api, code="APU02")
    api.delete(url(old))
    create(api, code="APU02")
    before = state()
    body = problem(api.post(f"{url(old)}/restore"), 422)
    assert list(body["errors"]) == ["code"]
    assert state() == before


def test_a_link_to_a_missing_record_is_422_naming_the_field(api, state):
    before = state()
    english = {"Accept-Language": "en"}
    body = problem(api.post(SAMPLES, json={"name": "Xy", "partner": 424242}, headers=english), 422)
    assert body["errors"] == {"partner": ["No Partner with id 424242, or you may not link it."]}
    assert state() == before


def test_a_link_to_a_deleted_record_is_422_naming_the_field(api, state):
    partner = api.post(PARTNERS, json={"name": "Gone"}).get_json()
    assert api.delete(f"{PARTNERS}/{partner['id']}").status_code == 204
    before = state()
    body = problem(api.post(SAMPLES, json={"name": "Xy", "partner": partner["id"]}), 422)
    assert list(body["errors"]) == ["partner"]
    assert state() == before


def test_an_empty_table_is_refused_below_min_rows_naming_the_field(make_app):
    from formflow.auth import create_token, get_user_by_name
    from support import TEST_APPS

    app = make_app([TEST_APPS / "valid"])
    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        _, token = create_token(conn, get_user_by_name(conn, "admin").id, "test")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for lang, text in (("en", "Lines needs at least 1 row(s)."), ("zh-CN", "Lines至少需要 1 行。")):
        response = client.post("/api/v1/shop/order", headers={**headers, "Accept-Language": lang},
                               json={"customer_name": "Ann", "lines": []})
        assert problem(response, 422)["errors"] == {"lines": [text]}


# -- statements per request ----------------------------------------------------------------


def test_an_update_of_the_callers_own_record_runs_at_most_seven_statements(api, runtime):
    """The token, the record read and locked with its line items, its update and the
    audit entry (and each transaction's BEGIN on SQLite): the caller's name, the only one
    the record holds, is not looked up."""
    record = create(api)
    api.patch(url(record), json={"quantity": 1})  # the token's first use is recorded once
    with counting_queries(runtime.db.engine) as statements:
        response = api.patch(url(record), json={"quantity": 2})
    assert response.status_code == 200 and response.get_json()["_updated_by"] == "admin"
    assert len(statements) <= 7, "\n".join(s[:120] for s in statements)
