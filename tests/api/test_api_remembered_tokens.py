"""A worker remembers the tokens it verified, yet a change made by any other worker is
honoured on the next request: a token revoked, a user deactivated or given other roles,
a token past its expiry.  Two apps on one database stand for two workers (or hosts).

And what that memory is for: a create, a PATCH, a list and a record GET run no
transaction of their own to find the caller, so their statements are pinned here."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow.auth import deactivate, list_tokens, set_roles, tokens
from formflow.auth.credentials_revision import REVISION_QUERY
from formflow.auth.tables import tokens as token_table
from support.helpers import (
    LAB,
    SAMPLES,
    add_user,
    counting_queries,
    problem,
    revoke_tokens,
    row_count,
)


@pytest.fixture
def worker(make_app):
    return make_app([LAB])


@pytest.fixture
def other_worker(worker, make_app):
    """A second app on the worker's database."""
    return make_app([LAB]).extensions["formflow"]


def create(api, name: str = "Sample"):
    return api.post(SAMPLES, json={"name": name})


def samples(worker) -> int:
    return row_count(worker.extensions["formflow"], "lab__sample")


def remembered(worker, roles=("manager",)):
    """A user and their API client, whose token the worker has verified and remembers
    (after one create to be looked up, one more to be recalled)."""
    user, api = add_user(worker, "caller", roles=list(roles))
    for _ in range(2):
        assert create(api).status_code == 201
    return user, api


def test_a_token_revoked_by_another_worker_is_refused_at_the_next_write(worker, other_worker):
    user, api = remembered(worker)
    record = api.get(SAMPLES).get_json()["items"][0]
    revoke_tokens(other_worker, user)
    before = samples(worker)
    problem(create(api, "After revoking"), 401)
    problem(api.patch(f"{SAMPLES}/{record['id']}", json={"name": "Changed"}), 401)
    problem(api.delete(f"{SAMPLES}/{record['id']}"), 401)
    assert samples(worker) == before


def test_a_revoked_token_is_refused_even_where_the_request_reads_nothing(worker, other_worker):
    user, api = remembered(worker)
    revoke_tokens(other_worker, user)
    malformed = api._call("POST", SAMPLES, data="{", headers={"Content-Type": "application/json"})
    problem(malformed, 401)


def test_a_user_deactivated_by_another_worker_is_refused_at_the_next_write(worker, other_worker):
    user, api = remembered(worker)
    with other_worker.db.write() as conn:
        deactivate(conn, user.id)
    problem(create(api, "After leaving"), 401)


def test_roles_changed_by_another_worker_apply_at_the_next_write(worker, other_worker):
    user, api = remembered(worker)
    with other_worker.db.write() as conn:
        set_roles(conn, user.id, ["auditor"])  # may read samples, not create them
    problem(create(api, "As an auditor"), 403)
    with other_worker.db.write() as conn:
        set_roles(conn, user.id, ["manager"])
    made = create(api, "As a manager again")
    assert made.status_code == 201, made.get_json()


def test_a_remembered_token_past_its_expiry_is_refused(worker, monkeypatch):
    user, api = remembered(worker)
    with worker.extensions["formflow"].db.read() as conn:
        (token,) = list_tokens(conn, user.id)
    later = token.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    problem(create(api, "Too late"), 401)


def test_a_create_and_a_patch_of_a_remembered_token_cost_no_statement_of_their_own(worker):
    runtime = worker.extensions["formflow"]
    _, api = remembered(worker)
    record = create(api).get_json()
    sqlite = runtime.db.is_sqlite
    with counting_queries(runtime.db.engine) as statements:
        assert create(api, "Counted").status_code == 201
    # SQLite: BEGIN IMMEDIATE, the credentials revision, the number, the row, the audit
    # entry; PostgreSQL draws the number and writes the audit entry in the row's INSERT
    assert len(statements) == (5 if sqlite else 2), "\n".join(s[:100] for s in statements)
    with counting_queries(runtime.db.engine) as statements:
        changed = api.patch(f"{SAMPLES}/{record['id']}", json={"quantity": 3})
    assert changed.status_code == 200, changed.get_json()
    # the revision, the row and its lines as they were, the update, the audit entry (on
    # PostgreSQL in the update's statement)
    assert len(statements) == (6 if sqlite else 4), "\n".join(s[:100] for s in statements)
    with counting_queries(runtime.db.engine) as statements:
        assert api.delete(f"{SAMPLES}/{record['id']}").status_code == 204
    # the revision, the row and its lines, the update, the audit entry (as above)
    assert len(statements) == (6 if sqlite else 4), "\n".join(s[:100] for s in statements)


def test_on_postgresql_a_write_sends_the_revision_read_with_its_begin(worker):
    """One round trip for both: the statement reads the revision, then begins."""
    runtime = worker.extensions["formflow"]
    if runtime.db.is_sqlite:
        pytest.skip("SQLite begins its write transactions with BEGIN IMMEDIATE")
    _, api = remembered(worker)
    with counting_queries(runtime.db.engine) as statements:
        assert create(api, "Counted").status_code == 201
    assert statements[0] == f"{REVISION_QUERY}; BEGIN"
    audited = api.get(f"{SAMPLES}/{create(api, 'Audited').get_json()['id']}/history")
    assert [entry["action"] for entry in audited.get_json()["items"]
            if entry["kind"] == "change"] == ["create"]


def read_remembered(worker, roles=("manager",)):
    """A user and their API client whose token the worker remembers, with one sample
    (after one GET to be looked up)."""
    user, api = remembered(worker, roles)
    assert api.get(SAMPLES).status_code == 200
    return user, api


def test_a_token_revoked_by_another_worker_is_refused_at_the_next_read(worker, other_worker):
    user, api = read_remembered(worker)
    record = api.get(SAMPLES).get_json()["items"][0]
    revoke_tokens(other_worker, user)
    problem(api.get(SAMPLES), 401)
    problem(api.get(f"{SAMPLES}/{record['id']}"), 401)
    assert api._call("HEAD", SAMPLES).status_code == 401


def test_a_user_deactivated_by_another_worker_is_refused_at_the_next_read(worker, other_worker):
    user, api = read_remembered(worker)
    with other_worker.db.write() as conn:
        deactivate(conn, user.id)
    problem(api.get(SAMPLES), 401)


def test_roles_changed_by_another_worker_apply_at_the_next_read(worker, other_worker):
    user, api = read_remembered(worker)
    with other_worker.db.write() as conn:
        set_roles(conn, user.id, [])  # no role: may not read samples
    problem(api.get(SAMPLES), 403)
    with other_worker.db.write() as conn:
        set_roles(conn, user.id, ["auditor"])
    listed = api.get(SAMPLES)
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["total"] == samples(worker)


def test_a_read_that_looks_its_token_up_again_writes_nothing(worker, other_worker):
    """Credentials changed elsewhere: the token is looked up again inside the list's read,
    its use due; recording it waits for a later look-up outside any read (a write there
    could wait on the pool)."""
    _, api = read_remembered(worker)
    someone, _ = add_user(worker, "someone", roles=["clerk"])
    with other_worker.db.write() as conn:
        set_roles(conn, someone.id, ["auditor"])  # the revision moves; the caller stands
        conn.execute(sa.update(token_table).values(last_used_at=None))  # its use is due
    runtime = worker.extensions["formflow"]
    with counting_queries(runtime.db.engine) as statements:
        assert api.get(SAMPLES).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_a_list_and_a_record_of_a_remembered_token_cost_no_statement_of_their_own(worker):
    runtime = worker.extensions["formflow"]
    _, api = read_remembered(worker)
    record = api.get(SAMPLES).get_json()["items"][0]
    sqlite = runtime.db.is_sqlite
    with counting_queries(runtime.db.engine) as statements:
        assert api.get(f"{SAMPLES}?sort=-_created_at&page=1&per_page=25").status_code == 200
    # SQLite: BEGIN (was a second one for the token); every backend: the credentials
    # revision (was the token, users and roles join), the page with its total, its lines
    assert len(statements) == (4 if sqlite else 3), "\n".join(s[:100] for s in statements)
    with counting_queries(runtime.db.engine) as statements:
        assert api.get(f"{SAMPLES}/{record['id']}").status_code == 200
    # the same: the revision in the record's own read, the row, its lines
    assert len(statements) == (4 if sqlite else 3), "\n".join(s[:100] for s in statements)


def test_a_token_looked_up_again_inside_a_read_keeps_its_deadline(worker, other_worker):
    """So its use is still recorded about once a minute however often credentials change."""
    user, api = read_remembered(worker)
    memory = worker.extensions["formflow"].accounts.remembered
    (before,) = memory._tokens.values()
    with other_worker.db.write() as conn:
        set_roles(conn, user.id, ["auditor"])
    assert api.get(SAMPLES).status_code == 200
    (after,) = memory._tokens.values()
    assert after.revision != before.revision
    assert after.until == before.until
