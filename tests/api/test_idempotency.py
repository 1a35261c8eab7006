"""A create sent twice makes one record: the API's ``Idempotency-Key`` header and the
new-record form's hidden key.  The same key with another body is refused; a failed
create leaves its key unused; a key is per user and forgotten after its window.  Two
submissions at the same moment, on threads of their own, still make exactly one."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from formflow.auth import create_user
from formflow.cli import main
from formflow.fields.columns import utcnow
from formflow.records.internal import InternalRecords
from formflow.storage.system import idempotency_keys
from support import PASSWORD
from support.helpers import LAB, SAMPLE, SAMPLES, add_user, problem, row_count
from support.web_support import csrf, form_inputs, sign_in, with_values

LINE = {"item": "Bolt", "qty": 1, "unit_price": "2.00"}
BODY = {"name": "Once only", "lines": [LINE]}


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def api(app):
    return add_user(app, "boss", roles=["manager"])[1]


def samples(runtime) -> int:
    return row_count(runtime, runtime.schema[SAMPLE].main)


def send(api, body, key, **headers):
    return api.post(f"/api/v1/{SAMPLES}", json=body,
                    headers={"Idempotency-Key": key, "Accept-Language": "en", **headers})


@pytest.fixture
def slow_creates(monkeypatch):
    """Hold every create open a moment after claiming its key, so that two creates
    sent together overlap."""
    original = InternalRecords.insert

    def held(self, *args, **kwargs):
        time.sleep(0.3)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(InternalRecords, "insert", held)


def at_once(*calls):
    """Run the calls on threads of their own, released together; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


# -- API ------------------------------------------------------------------------------


def test_the_same_key_twice_answers_the_first_record(api, runtime):
    first = send(api, BODY, "order-17")
    second = send(api, BODY, "order-17")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert samples(runtime) == 1


def test_the_same_key_with_another_body_is_refused(api, runtime):
    assert send(api, BODY, "order-18").status_code == 201
    body = problem(send(api, {**BODY, "name": "Something else"}, "order-18"), 422)
    assert "already used for a different request" in body["detail"]
    assert samples(runtime) == 1


def test_a_failed_create_leaves_its_key_unused(api, runtime):
    problem(send(api, {"name": "X", "lines": [LINE]}, "order-19"), 422)  # name too short
    assert send(api, BODY, "order-19").status_code == 201
    assert samples(runtime) == 1


def test_keys_are_per_user(app, api, runtime):
    _, other = add_user(app, "other", roles=["manager"])
    first, second = send(api, BODY, "shared"), send(other, BODY, "shared")
    assert first.get_json()["id"] != second.get_json()["id"]
    assert samples(runtime) == 2


def test_a_key_past_its_window_is_forgotten(api, runtime):
    assert send(api, BODY, "order-20").status_code == 201
    with runtime.db.write() as conn:
        conn.execute(idempotency_keys.update().values(expires_at=utcnow() - timedelta(1)))
    second = send(api, BODY, "order-20")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert samples(runtime) == 2


def test_tick_forgets_the_keys_past_their_window(api, runtime, runner):
    send(api, BODY, "old")
    send(api, {**BODY, "name": "Newer"}, "new")
    with runtime.db.write() as conn:
        conn.execute(idempotency_keys.update().where(idempotency_keys.c.key == "old")
                     .values(expires_at=utcnow() - timedelta(1)))
    result = runner.invoke(main, ["tick"])
    assert "Idempotency keys forgotten: 1" in result.output, result.output
    with runtime.db.read() as conn:
        assert conn.execute(sa.select(idempotency_keys.c.key)).scalars().all() == ["new"]


@pytest.mark.parametrize("key", ["", "a b", "x" * 129, "订单"])
def test_a_malformed_key_is_refused(api, runtime, key):
    body = problem(send(api, BODY, key.encode().decode("latin-1")), 400)
    assert "1 to 128 printable ASCII characters" in body["detail"]
    assert samples(runtime) == 0


def test_without_a_key_every_create_makes_a_record(api, runtime):
    for _ in range(2):
        assert api.post(f"/api/v1/{SAMPLES}", json=BODY).status_code == 201
    assert samples(runtime) == 2


def test_two_api_creates_with_one_key_at_once_make_one_record(app, runtime, slow_creates):
    user, _ = add_user(app, "racer", roles=["manager"])
    clients = [add_user_client(app, user) for _ in range(2)]
    first, second = at_once(*(lambda c=c: send(c, BODY, "race-1") for c in clients))
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert samples(runtime) == 1


def add_user_client(app, user):
    from formflow.auth import create_token
    from support.api_client import ApiClient

    runtime = app.extensions["formflow"]
    with runtime.db.write() as conn:
        _, token = create_token(conn, user.id, "test")
    return ApiClient(app.test_client(), token)


# -- the new-record form --------------------------------------------------------------


@pytest.fixture
def browsers(app, runtime):
    """Two browsers signed in as the same user."""
    with runtime.db.write() as conn:
        create_user(conn, "mia", PASSWORD, roles=["manager"], known_roles=runtime.model.roles)
    clients = []
    for _ in range(2):
        client = app.test_client()
        sign_in(client, "mia")
        clients.append(client)
    return clients


def filled_form(browser) -> list[tuple[str, str]]:
    html = browser.get(f"/{SAMPLES}/new").get_data(as_text=True)
    inputs = with_values(form_inputs(html), name="From the form")
    return inputs + [("lines-0-item", "Bolt"), ("lines-0-qty", "1"),
                     ("lines-0-unit_price", "2")]


def test_the_new_record_form_carries_a_key_of_its_own(browsers):
    first = dict(filled_form(browsers[0]))["_idempotency_key"]
    second = dict(filled_form(browsers[0]))["_idempotency_key"]
    assert first and second and first != second


def test_submitting_the_form_twice_makes_one_record(browsers, runtime):
    inputs = filled_form(browsers[0])
    first = browsers[0].post(f"/{SAMPLES}/new", data=MultiDict(inputs))
    second = browsers[0].post(f"/{SAMPLES}/new", data=MultiDict(inputs))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert samples(runtime) == 1


def test_a_form_shown_again_keeps_its_key(browsers, runtime):
    inputs = filled_form(browsers[0])
    bad = [(name, "X" if name == "name" else value) for name, value in inputs]
    again = browsers[0].post(f"/{SAMPLES}/new", data=MultiDict(bad))
    assert again.status_code == 422
    shown = dict(form_inputs(again.get_data(as_text=True)))
    assert shown["_idempotency_key"] == dict(inputs)["_idempotency_key"]


def test_two_form_submissions_at_once_make_one_record(browsers, runtime, slow_creates):
    inputs = [item for item in filled_form(browsers[0]) if item[0] != "csrf_token"]
    first, second = at_once(*(
        lambda b=b: b.post(f"/{SAMPLES}/new", data=MultiDict([*inputs, ("csrf_token", csrf(b))]))
        for b in browsers))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert samples(runtime) == 1


def test_a_form_sent_back_changed_after_saving_makes_a_new_record(browsers, runtime):
    inputs = filled_form(browsers[0])
    first = browsers[0].post(f"/{SAMPLES}/new", data=MultiDict(inputs))
    changed = [(name, "Second order" if name == "name" else value) for name, value in inputs]
    second = browsers[0].post(f"/{SAMPLES}/new", data=MultiDict(changed))
    assert first.status_code == second.status_code == 302
    assert first.location != second.location
    assert samples(runtime) == 2
