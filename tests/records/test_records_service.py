"""The records service: create, read, update, delete, restore, list and history on the
lab scenario app, each write one transaction."""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from formflow.errors import NotFound, ValidationFailed
from formflow.i18n import Message
from formflow.metadata.loader import load
from formflow.metadata.model import Field, Label
from formflow.records import saving
from formflow.records.validation import visible_errors
from formflow.storage.tables import constraint_name
from support.helpers import LAB, PARTNER, SAMPLE, add_departments, module_app

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
LINES = [
    {"item": "Bolt", "qty": 3, "unit_price": "2.50"},
    {"item": "Nut", "qty": 10, "unit_price": "0.35"},
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module: every test makes records of its own."""
    with module_app(tmp_path_factory.mktemp("records")) as app:
        yield app


@pytest.fixture
def records(runtime):
    return runtime.records


@pytest.fixture
def partner(records, admin):
    return records.create(admin, PARTNER, {"name": "Acme", "phone": "+86 10 8888 0000"})


def create(records, user, **values):
    return records.create(user, SAMPLE, {"name": "Sample", **values})


def error_keys(excinfo) -> dict[str, list[str]]:
    """The message keys of a ValidationFailed, by field path."""
    return {path: [m.key for m in messages] for path, messages in excinfo.value.errors.items()}


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as excinfo:
        call(*args, **kwargs)
    return error_keys(excinfo)


# -- create and read ---------------------------------------------------------------


def test_create_assigns_number_title_version_and_creator(records, admin):
    record = create(records, admin, name="First")
    assert re.fullmatch(rf"S-{TODAY.year}-\d{{5}}", record["_number"])
    assert record["_title"] == "First"
    assert record["_version"] == 1
    assert record["_created_by"] == record["_updated_by"] == "admin"
    assert records.get(admin, SAMPLE, record["id"]) == record


def sequence_of(record) -> int:
    return int(record["_number"].rsplit("-", 1)[1])


def test_numbers_increment_by_one(records, admin):
    numbers = [sequence_of(create(records, admin)) for _ in range(3)]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_refused_create_does_not_use_up_a_number(records, admin):
    first = sequence_of(create(records, admin))
    refused(create, records, admin, quantity=-1)
    assert sequence_of(create(records, admin)) == first + 1


def test_defaults_fill_the_fields_left_out(records, admin):
    record = create(records, admin)
    assert record["active"] is True  # default
    assert record["kind"] == "basic"  # default
    assert record["due"] == TODAY.isoformat()  # default_expr today()
    assert record["owner"] == "admin"  # default_expr user()


def test_given_values_win_over_defaults(records, admin, make_user):
    make_user("bob")
    record = create(
        records,
        admin,
        active=False,
        kind="special",
        special_reason="Why not",
        due="2030-01-31",
        owner="bob",
    )
    assert (record["active"], record["kind"], record["due"], record["owner"]) == (
        False,
        "special",
        "2030-01-31",
        "bob",
    )


def test_every_field_type_round_trips(records, admin, partner, runtime):
    add_departments(runtime)
    values = {
        "name": "Every type",
        "code": "ABC10",
        "description": "two\nlines",
        "quantity": 7,
        "price": "12.50",
        "budget": "1000.00",
        "discount": "12.5",
        "active": False,
        "due": "2026-03-31",
        "starts_at": "2026-03-31T08:30:00Z",
        "opens": "08:30",
        "kind": "basic",
        "tags": ["blue", "red"],
        "partner": partner["id"],
        "owner": "admin",
        "team": "SALES",
        "email": "someone@example.com",
        "phone": "+86 21 5555 0101",
        "website": "https://example.com/a?b=c",
        "attachment": "files/2026/report.pdf",
        "photo": "images/logo.png",
        "score": 4,
        "frozen": False,
        "memo": "note",
        "secret": "s3cret",
        "rate": "2.5",
    }
    record = records.create(admin, SAMPLE, values)
    expected = {**values, "tags": ["red", "blue"], "discount": "12.50"}  # option order
    assert {name: record[name] for name in values} == expected


# -- computed and fetched values ----------------------------------------------------


def test_line_item_columns_and_totals_are_computed(records, admin):
    record = create(records, admin, discount=10, lines=LINES)
    assert [line["amount"] for line in record["lines"]] == ["7.50", "3.50"]
    assert [line["discounted"] for line in record["lines"]] == ["6.75", "3.15"]
    assert record["total"] == "11.00"
    assert record["net_total"] == "9.90"


def test_computed_values_sent_by_the_client_are_ignored(records, admin):
    record = create(records, admin, total="999.00", lines=[{**LINES[0], "amount": "1.00"}])
    assert record["total"] == record["lines"][0]["amount"] == "7.50"


def test_computed_values_are_recomputed_on_update(records, admin):
    record = create(records, admin, lines=LINES)
    updated = records.update(admin, SAMPLE, record["id"], {"lines": [LINES[0], LINES[0]]})
    assert updated["total"] == "15.00"


def test_line_columns_reading_the_parent_follow_a_parent_change(records, admin):
    record = create(records, admin, discount=10, lines=LINES)
    records.update(admin, SAMPLE, record["id"], {"discount": 50})
    stored = records.get(admin, SAMPLE, record["id"])
    assert [line["discounted"] for line in stored["lines"]] == ["3.75", "1.75"]
    assert stored["net_total"] == "5.50"



def test_computed_values_are_evaluated_in_dependency_order_not_declaration_order():
    from formflow.expressions import EvaluationContext
    from formflow.fields import builtin_registry
    from formflow.metadata.model import Entity
    from formflow.records.evaluation import RecordScope, compute_values

    def money(name, compute=None):
        return Field(name, "money", Label.of(name), compute=compute)

    lines = Field("lines", "table", Label.of("lines"), fields=(
        money("share", "round(amount * 100 / parent.total, 2)"),  # reads the record's total
        money("amount", "qty * price"),
        Field("qty", "integer", Label.of("qty")),
        money("price"),
    ))
    entity = Entity(app="lab", name="order", label=Label.of("order"), fields=(
        money("with_tax", "net * 1.1"),  # declared before what it reads
        money("net", "total - discount"),
        money("discount"),
        lines,
        money("total", "sum(lines.amount)"),
        money("shares", "sum(lines.share)"),
    ))
    record = {"discount": 10, "lines": [{"qty": 3, "price": 10}, {"qty": 1, "price": 10}]}
    scope = RecordScope(entity.fields, record, follow=None, model_entity=None)
    compute_values(entity, record, scope, EvaluationContext(), builtin_registry())
    assert [row["share"] for row in record["lines"]] == [75, 25]
    assert (record["total"], record["net"], record["with_tax"], record["shares"]) == (
        40, 30, 33, 100)


def test_computed_value_too_large_for_its_column_is_left_empty(records, admin):
    huge = {"item": "Galaxy", "qty": 10**15, "unit_price": "1000000000000000.00"}
    record = create(records, admin, lines=[huge])
    assert record["lines"][0]["amount"] is None


def test_fetch_copies_a_value_from_the_linked_record(records, admin, partner):
    record = create(records, admin, partner=partner["id"])
    assert record["partner_phone"] == "+86 10 8888 0000"


def test_fetch_follows_a_changed_link(records, admin, partner):
    other = records.create(admin, PARTNER, {"name": "Other", "phone": "+1 555 0100"})
    record = create(records, admin, partner=partner["id"])
    updated = records.update(admin, SAMPLE, record["id"], {"partner": other["id"]})
    assert updated["partner_phone"] == "+1 555 0100"
    cleared = records.update(admin, SAMPLE, record["id"], {"partner": None})
    assert cleared["partner_phone"] is None


# -- conditions and rules -----------------------------------------------------------


def test_a_required_field_left_out_is_an_error(records, admin):
    assert refused(records.create, admin, SAMPLE, {"quantity": 1}) == {"name": ["required"]}


def test_required_if_applies_when_its_condition_holds(records, admin):
    big = [{"item": "Crane", "qty": 1, "unit_price": "1000.01"}]
    assert refused(create, records, admin, lines=big) == {"approval_note": ["required"]}
    assert create(records, admin, lines=big, approval_note="OK by Li")["total"] == "1000.01"
    assert create(records, admin, lines=LINES)["approval_note"] is None


@pytest.mark.parametrize(("kind", "required"), [("basic", False), ("special", True)])
def test_a_hidden_field_is_never_required(records, admin, kind, required):
    if required:
        assert refused(create, records, admin, kind=kind) == {"special_reason": ["required"]}
    else:
        assert create(records, admin, kind=kind)["special_reason"] is None


def test_readonly_if_refuses_a_change_while_its_condition_holds(records, admin, state):
    record = create(records, admin, memo="before")
    records.update(admin, SAMPLE, record["id"], {"frozen": True})
    before = state()
    errors = refused(records.update, admin, SAMPLE, record["id"], {"memo": "after"})
    assert errors == {"memo": ["read_only"]}
    assert state() == before


def test_readonly_if_allows_a_change_when_its_condition_does_not_hold(records, admin):
    record = create(records, admin, memo="before", frozen=False)
    assert records.update(admin, SAMPLE, record["id"], {"memo": "after"})["memo"] == "after"


def test_a_broken_entity_rule_is_reported_on_the_record(records, admin):
    with pytest.raises(ValidationFailed) as excinfo:
        create(records, admin, discount=60)
    [message] = excinfo.value.errors[""]
    assert message.render("en") == "A discount over 50 % needs a special sample."
    assert message.render("zh-CN") == "折扣超过 50% 时必须是特殊样品。"


def test_a_broken_rule_is_reported_on_each_field_it_reads(records, admin):
    with pytest.raises(ValidationFailed) as excinfo:
        create(records, admin, discount=60)
    errors = excinfo.value.errors
    assert set(errors) == {"", "discount", "kind"}
    assert errors["discount"] == errors["kind"] == errors[""]


# -- constraints --------------------------------------------------------------------

VIOLATIONS = [
    ("quantity", -1, "min_value"),
    ("quantity", 1001, "max_value"),
    ("discount", "-0.01", "min_value"),
    ("price", "-0.01", "min_value"),
    ("price", "1.234", "too_many_decimals"),
    ("price", "123456789", "too_many_digits"),
    ("rate", "0.25", "too_many_decimals"),
    ("name", "A", "min_length"),
    ("name", "x" * 61, "max_length"),
    ("description", "x" * 501, "max_length"),
    ("code", "abc12", "pattern"),
    ("kind", "premium", "invalid_choice"),
    ("tags", ["red", "pink"], "invalid_choice"),
    ("email", "someone@", "invalid_email"),
    ("phone", "call me", "invalid_phone"),
    ("website", "ftp://example.com", "invalid_url"),
    ("website", "javascript:alert(1)", "invalid_url"),
    ("due", "2026-02-30", "invalid_date"),
    ("due", "1999-12-31", "min_value"),
    ("starts_at", "2026-02-30T10:00:00Z", "invalid_datetime"),
    ("opens", "24:61", "invalid_time"),
    ("score", 6, "invalid_rating"),
    ("attachment", "../../etc/passwd", "invalid_file"),
    ("quantity", 1.5, "invalid_integer"),
]


@pytest.mark.parametrize(("name", "value", "key"), VIOLATIONS, ids=lambda v: str(v)[:20])
def test_a_constraint_violation_is_an_error_on_its_field(records, admin, name, value, key, state):
    before = state()
    assert refused(create, records, admin, **{name: value}) == {name: [key]}
    assert state() == before


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("quantity", 0, 0),
        ("quantity", 1000, 1000),
        ("quantity", "42", 42),
        ("quantity", 2.0, 2),
        ("price", "0.1", "0.10"),
        ("price", "1.230", "1.23"),
        ("price", "99999999.99", "99999999.99"),
        ("due", "2000-01-01", "2000-01-01"),
        ("due", "2028-02-29", "2028-02-29"),
        ("opens", "23:59", "23:59"),
        ("starts_at", "2026-03-31T10:00:00+08:00", "2026-03-31T02:00:00Z"),
        ("name", "  trimmed  ", "trimmed"),
        ("tags", "blue,red", ["red", "blue"]),
    ],
)
def test_values_within_the_constraints_are_stored_normalized(records, admin, name, value, stored):
    assert create(records, admin, **{name: value})[name] == stored


def test_line_item_errors_are_named_by_their_path(records, admin):
    lines = [LINES[0], LINES[1], {"item": "Washer", "qty": 0, "unit_price": "x"}, {"qty": 1}]
    assert refused(create, records, admin, lines=lines) == {
        "lines[2].unit_price": ["invalid_number"],
        "lines[2].qty": ["min_value"],
        "lines[3].item": ["required"],
        "lines[3].unit_price": ["required"],
    }


def test_every_problem_is_reported_at_once(records, admin):
    errors = refused(records.create, admin, SAMPLE, {"quantity": "many", "email": "x", "bogus": 1})
    assert errors == {
        "name": ["required"],
        "quantity": ["invalid_integer"],
        "email": ["invalid_email"],
        "bogus": ["unknown_field"],
    }


# -- transactions -------------------------------------------------------------------


def test_a_refused_update_writes_nothing(records, admin, state):
    record = create(records, admin, lines=LINES)
    before = state()
    refused(records.update, admin, SAMPLE, record["id"], {"name": "New", "quantity": -5})
    assert state() == before
    assert records.get(admin, SAMPLE, record["id"]) == record


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_failure_after_the_first_write_rolls_everything_back(
    records, admin, monkeypatch, operation, state
):
    record = create(records, admin, lines=LINES)
    before = state()

    def broken(*args, **kwargs):
        raise RuntimeError("down after the row, its lines and its audit entry were written")

    monkeypatch.setattr(saving, "notify_after_commit", broken)
    with pytest.raises(RuntimeError):
        if operation == "create":
            create(records, admin, lines=LINES)
        else:
            records.update(admin, SAMPLE, record["id"], {"name": "Changed", "lines": []})
    assert state() == before


def test_a_unique_value_taken_meanwhile_is_an_error_on_the_field(
    records, admin, monkeypatch, state
):
    create(records, admin, code="ABC11")
    before = state()
    # The pre-check saw the value free; the unique index catches the concurrent writer.
    monkeypatch.setattr(saving, "value_taken", lambda *args: False)
    assert refused(create, records, admin, code="ABC11") == {"code": ["unique"]}
    assert state() == before


# -- update, delete, restore --------------------------------------------------------


def test_update_bumps_the_version_and_keeps_other_values(records, admin):
    record = create(records, admin, quantity=5, lines=LINES)
    updated = records.update(admin, SAMPLE, record["id"], {"name": "Renamed"})
    assert updated["_version"] == 2
    assert updated["quantity"] == 5 and updated["lines"] == record["lines"]
    assert updated["_created_at"] == record["_created_at"]
    assert updated["_number"] == record["_number"]


def test_an_update_that_changes_nothing_keeps_the_version(records, admin):
    record = create(records, admin, quantity=5)
    assert records.update(admin, SAMPLE, record["id"], {"quantity": "5"})["_version"] == 1
    assert [e["action"] for e in records.history(admin, SAMPLE, record["id"])] == ["create"]


def test_a_record_read_back_can_be_written_back_unchanged(records, admin, partner):
    record = create(records, admin, partner=partner["id"], lines=LINES, tags=["red"])
    assert records.update(admin, SAMPLE, record["id"], dict(record)) == record


def test_a_changed_system_field_in_the_body_is_an_error(records, admin):
    record = create(records, admin)
    assert refused(records.update, admin, SAMPLE, record["id"], {"_number": "X-1"}) == {
        "_number": ["read_only"]
    }


def test_delete_hides_the_record_and_restore_brings_it_back(records, admin):
    record = create(records, admin, name="Short-lived")
    by_name = {"name": ["Short-lived"]}
    records.delete(admin, SAMPLE, record["id"])
    with pytest.raises(NotFound):
        records.get(admin, SAMPLE, record["id"])
    assert records.list(admin, SAMPLE, by_name).total == 0
    deleted = records.list(admin, SAMPLE, by_name, deleted=True).items
    assert [r["id"] for r in deleted] == [record["id"]]
    restored = records.restore(admin, SAMPLE, record["id"])
    assert restored["_deleted_at"] is None and restored["_version"] == 3
    assert records.list(admin, SAMPLE, by_name).total == 1


def test_restoring_a_live_record_is_not_found(records, admin):
    record = create(records, admin)
    with pytest.raises(NotFound):
        records.restore(admin, SAMPLE, record["id"])


def test_history_says_who_changed_what_when(records, admin, make_user):
    manager = make_user("mia", roles=["manager"])
    record = create(records, admin, quantity=1)
    records.update(manager, SAMPLE, record["id"], {"quantity": 2, "name": "Two"})
    records.delete(manager, SAMPLE, record["id"])
    records.restore(admin, SAMPLE, record["id"])
    history = records.history(admin, SAMPLE, record["id"])
    assert [(e["action"], e["actor"]) for e in history] == [
        ("create", "admin"),
        ("update", "mia"),
        ("delete", "mia"),
        ("restore", "admin"),
    ]
    assert history[1]["changes"] == {
        "name": {"old": "Sample", "new": "Two"},
        "quantity": {"old": 1, "new": 2},
    }
    assert history[0]["changes"]["quantity"] == {"old": None, "new": 1}
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)


# -- unique values and references ----------------------------------------------------


def test_a_unique_value_in_use_is_an_error_on_the_field(records, admin, state):
    create(records, admin, code="ABC12")
    before = state()
    assert refused(create, records, admin, code="ABC12") == {"code": ["unique"]}
    assert state() == before


def test_a_save_standing_alone_leaves_a_taken_value_to_the_unique_index(
    records, admin, monkeypatch, state
):
    create(records, admin, code="ABC15")
    other = create(records, admin, code="ABC16")
    before = state()
    looked = []
    monkeypatch.setattr(saving, "value_taken", lambda *args: looked.append(args) or True)
    assert refused(create, records, admin, code="ABC15") == {"code": ["unique"]}
    assert refused(records.update, admin, SAMPLE, other["id"], {"code": "ABC15"}) == {
        "code": ["unique"]
    }
    assert looked == []  # no query looked first: the index refused the row
    assert state() == before


def test_with_another_error_a_taken_value_is_named_too(records, admin, state):
    create(records, admin, code="ABC17")
    before = state()
    assert refused(create, records, admin, code="ABC17", quantity=-1) == {
        "code": ["unique"], "quantity": ["min_value"]
    }
    assert state() == before


def test_a_save_inside_a_larger_transaction_looks_before_it_writes(records, admin, state):
    """Inside a larger transaction a failed INSERT would abort the caller's work too (on
    PostgreSQL), so the save asks first and the transaction goes on."""
    create(records, admin, code="ABC18")
    entity = records.entity(SAMPLE)
    with records.db.write() as conn:
        with pytest.raises(ValidationFailed) as excinfo:
            records.internal.create_in(conn, admin, entity, {"name": "Dup", "code": "ABC18"})
        assert error_keys(excinfo) == {"code": ["unique"]}
        kept = records.internal.create_in(conn, admin, entity, {"name": "Next", "code": "ABC19"})
    assert records.get(admin, SAMPLE, kept["id"])["code"] == "ABC19"


def test_a_unique_index_with_a_shortened_name_still_names_its_field():
    table = sa.Table("app__" + "long_entity_name_" * 3, sa.MetaData())
    fields = [Field(name, "text", Label.of(name), unique=True)
              for name in ("code", "zip_code_of_the_head_office")]
    entity = SimpleNamespace(scalar_fields=fields)
    for field in fields:
        name = constraint_name("uq", table.name, field.name)
        error = sa.exc.IntegrityError("INSERT", {}, SimpleNamespace(
            diag=SimpleNamespace(constraint_name=name)))
        problem = saving.integrity_problem(entity, table, error)
        assert list(problem.errors) == [field.name]


def test_the_unique_value_of_a_deleted_record_may_be_reused(records, admin):
    old = create(records, admin, code="ABC13")
    records.delete(admin, SAMPLE, old["id"])
    assert create(records, admin, code="ABC13")["code"] == "ABC13"


def test_restoring_a_record_whose_unique_value_was_reused_is_refused(records, admin, state):
    old = create(records, admin, code="ABC14")
    records.delete(admin, SAMPLE, old["id"])
    create(records, admin, code="ABC14")
    before = state()
    assert refused(records.restore, admin, SAMPLE, old["id"]) == {"code": ["unique"]}
    assert state() == before


def test_a_link_to_a_missing_record_is_an_error_on_the_field(records, admin):
    assert refused(create, records, admin, partner=999) == {"partner": ["no_such_record"]}


def test_a_link_to_a_deleted_record_is_an_error_on_the_field(records, admin, partner):
    records.delete(admin, PARTNER, partner["id"])
    assert refused(create, records, admin, partner=partner["id"]) == {"partner": ["no_such_record"]}


def test_unknown_user_and_department_are_errors_on_their_fields(records, admin):
    assert refused(create, records, admin, owner="nobody", team="NOPE") == {
        "owner": ["no_such_user"],
        "team": ["no_such_department"],
    }


def test_errors_name_no_field_the_user_may_not_read():
    """A rule marks every field it reads; a reader without the hidden one sees the
    message on the record, and on the fields they may read only."""
    sample = load([LAB]).entity(SAMPLE)
    rule = Message("rule_failed", {"message": "no"})
    errors = {"": [rule], "secret": [rule], "quantity": [rule]}
    assert visible_errors(sample, errors, {"user"}) == {"": [rule], "quantity": [rule]}
    assert visible_errors(sample, errors, {"user", "auditor"}) == errors
    assert visible_errors(sample, {"secret": [Message("unknown_field")]}, {"user"}) == {
        "secret": [Message("unknown_field")]}  # they named it themselves
    assert visible_errors(sample, {"secret": [rule]}, {"user"})[""][0].key == "not_saved"

