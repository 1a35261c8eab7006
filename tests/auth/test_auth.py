"""Users, departments, passwords and API tokens, on SQLite and (when
FORMFLOW_TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from formflow.auth import departments as depts
from formflow.auth import passwords, sessions, tokens
from formflow.auth import users as accounts
from formflow.auth.policy import AccountPolicy

# Importing the tables defines them on system_metadata before create_all.
from formflow.auth.tables import tokens as token_table
from formflow.auth.tables import user_roles
from formflow.auth.tables import users as user_table
from formflow.errors import NotFound, ValidationFailed
from formflow.fields.columns import utcnow
from formflow.i18n import Message
from formflow.storage.database import Database
from formflow.storage.system import system_metadata
from support.helpers import counting_queries

PG_URL = os.environ.get("FORMFLOW_TEST_DATABASE_URL")
PASSWORD = "correct horse"


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_database(module_postgres_url):
    """The module's PostgreSQL database with the system tables."""
    database = Database(module_postgres_url)
    try:
        # From a copy: creating a use_alter foreign key with ALTER marks the shared
        # constraint as "never inline", which would drop it from later SQLite tables.
        copy = sa.MetaData()
        for table in system_metadata.tables.values():
            table.to_metadata(copy)
        copy.create_all(database.engine)
        yield database
    finally:
        database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/t.db")
        system_metadata.create_all(database.engine)
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("pg_database")
        names = ", ".join(f'"{t.name}"' for t in system_metadata.sorted_tables)
        with database.write() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        yield database


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """scrypt at a low cost keeps the suite fast; the method stays scrypt."""
    monkeypatch.setattr(passwords, "METHOD", "scrypt:1024:8:1")


@pytest.fixture
def conn(db):
    with db.write() as connection:
        yield connection


@pytest.fixture
def make_user(conn):
    def make(username="alice", password=PASSWORD, **options):
        return accounts.create_user(conn, username, password, **options)

    return make


def error_keys(excinfo) -> dict[str, list[str]]:
    return {name: [m.key for m in messages] for name, messages in excinfo.value.errors.items()}


# -- tables -----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_tables_have_indexes_on_lookup_columns(db):
    inspector = sa.inspect(db.engine)
    indexed = {
        table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        | {tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)}
        for table in ("ff_users", "ff_departments", "ff_user_roles", "ff_tokens")
    }
    assert ("username",) in indexed["ff_users"]
    assert ("department_id",) in indexed["ff_users"]
    assert ("manager_id",) in indexed["ff_users"]
    assert ("code",) in indexed["ff_departments"]
    assert ("parent_id",) in indexed["ff_departments"]
    assert ("role",) in indexed["ff_user_roles"]
    assert ("token_hash",) in indexed["ff_tokens"]
    assert ("user_id",) in indexed["ff_tokens"]


def test_the_database_keeps_user_names_unique_regardless_of_case(db):
    row = {"display_name": "A", "active": True, "created_at": utcnow()}
    with db.write() as conn:
        conn.execute(user_table.insert().values(username="alice", **row))
    with pytest.raises(sa.exc.IntegrityError), db.write() as conn:
        conn.execute(user_table.insert().values(username="ALICE", **row))


def test_deleting_a_user_removes_roles_and_tokens_and_clears_references(conn, make_user):
    boss = make_user("boss", roles=["admin"])
    make_user("worker", manager="boss")
    depts.create_department(conn, "ops", "Operations", head="boss")
    tokens.create_token(conn, boss.id, "cli")
    conn.execute(user_table.delete().where(user_table.c.id == boss.id))
    assert conn.scalar(sa.select(sa.func.count()).select_from(user_roles)) == 0
    assert conn.scalar(sa.select(sa.func.count()).select_from(token_table)) == 0
    assert accounts.get_user_by_name(conn, "worker").manager_id is None
    assert depts.get_department_by_code(conn, "ops").head_id is None


# -- passwords --------------------------------------------------------------------------


def test_default_hash_method_is_scrypt_at_werkzeugs_cost(monkeypatch):
    monkeypatch.undo()
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("scrypt:32768:8:1$")
    assert not passwords.needs_rehash(hashed)


def test_hashes_are_salted_and_verify():
    first, second = passwords.hash_password(PASSWORD), passwords.hash_password(PASSWORD)
    assert first != second
    assert first.startswith("scrypt:")
    assert PASSWORD not in first
    assert passwords.verify_password(first, PASSWORD)
    assert not passwords.verify_password(first, PASSWORD + "!")


@pytest.mark.parametrize("stored", [None, "", "not a hash", "md5$salt$abc"])
def test_verify_without_a_usable_hash_is_false(stored):
    assert passwords.verify_password(stored, PASSWORD) is False


@pytest.mark.parametrize("attempt", [None, 12345678, b"correct horse", "x" * 5000])
def test_verify_refuses_odd_inputs(attempt):
    assert passwords.verify_password(passwords.hash_password(PASSWORD), attempt) is False


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("", "weak_password"),
        ("1234567", "weak_password"),
        (None, "weak_password"),
        ("x" * 1025, "max_length"),
    ],
)
def test_password_strength(password, key):
    with pytest.raises(ValidationFailed) as excinfo:
        passwords.check_password_strength(password)
    assert error_keys(excinfo) == {"password": [key]}


def test_eight_characters_are_enough():
    passwords.check_password_strength("k7#pQ2xz")


@pytest.mark.parametrize(
    "password", ["12345678", "password", "password123", "Password2024!", "QWERTYUIOP", "iloveyou!!"]
)
def test_common_passwords_are_refused(password):
    with pytest.raises(ValidationFailed) as excinfo:
        passwords.check_password_strength(password)
    assert error_keys(excinfo) == {"password": ["common_password"]}


@pytest.mark.parametrize("password", ["alice2024", "Alice-2024!", "ecila123", "x-alice-x1"])
def test_passwords_made_of_the_user_name_are_refused(password):
    with pytest.raises(ValidationFailed) as excinfo:
        passwords.check_password_strength(password, username="alice")
    assert error_keys(excinfo) == {"password": ["password_like_username"]}


@pytest.mark.parametrize("password", ["alice-in-wonderland", "tulip-sesame-42", "k7#pQ2xz"])
def test_a_password_holding_the_name_and_more_is_accepted(password):
    passwords.check_password_strength(password, username="alice")


def test_the_policy_sets_the_minimum_and_may_skip_the_common_list():
    strict = AccountPolicy(min_password_length=12)
    with pytest.raises(ValidationFailed) as excinfo:
        passwords.check_password_strength("k7#pQ2xz-ab", policy=strict)
    assert [m.params for m in excinfo.value.errors["password"]] == [{"min": 12}]
    lenient = AccountPolicy(check_common_passwords=False)
    passwords.check_password_strength("password", username="alice", policy=lenient)
    passwords.check_password_strength("alice123", username="alice", policy=lenient)


def test_the_common_list_holds_ten_thousand_passwords():
    assert len(passwords._common_passwords()) == 10_000


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "one of the most common"), ("zh-CN", "最常见的密码"),
])
def test_the_common_password_message_speaks_the_users_language(lang, text):
    assert text in Message("common_password").render(lang)


# -- creating users ---------------------------------------------------------------------


def test_create_user_stores_only_a_scrypt_hash(conn, make_user):
    user = make_user("alice", display_name="Alice Liddell", email="alice@example.com")
    row = conn.execute(sa.select(user_table).where(user_table.c.id == user.id)).one()
    assert row.password_hash.startswith("scrypt:")
    assert all(PASSWORD not in str(value) for value in row)
    assert row.created_at.tzinfo is not None
    assert (user.username, user.display_name, user.email) == (
        "alice",
        "Alice Liddell",
        "alice@example.com",
    )


def test_new_user_is_active_with_the_implied_user_role(make_user):
    user = make_user()
    assert user.active
    assert user.roles == {"user"}
    assert not user.is_admin
    assert user.display_name == "alice"


def test_roles_are_stored_and_admin_is_recognised(conn, make_user):
    user = make_user(roles=["admin", "sales", "user"])
    assert user.roles == {"admin", "sales", "user"}
    assert user.is_admin
    stored = set(conn.scalars(sa.select(user_roles.c.role)))
    assert stored == {"admin", "sales"}  # "user" is implied, never stored
    assert accounts.get_user(conn, user.id) == user


def test_roles_must_be_known_when_known_roles_are_given(make_user):
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(roles=["sales", "hacker"], known_roles={"sales"})
    assert error_keys(excinfo) == {"roles": ["unknown_role"]}
    assert excinfo.value.errors["roles"][0].params == {"name": "hacker"}


def test_builtin_roles_are_always_known(make_user):
    user = make_user(roles=["admin", "user"], known_roles=())
    assert user.roles == {"admin", "user"}


@pytest.mark.parametrize("role", ["", "Sales", "sales manager", "1st", "r" * 65, None])
def test_malformed_roles_are_refused(make_user, role):
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(roles=[role])
    assert error_keys(excinfo) == {"roles": ["unknown_role"]}


@pytest.mark.parametrize(
    "username",
    [
        "",
        "a" * 65,
        "alice bob",
        " alice",
        "alice\n",
        "alice\x00",
        "álice",
        "алиса",
        "用户",
        "Ａlice",
        "１２３",
        "٣",
        "alice\u202e",
        "a/b",
        "../etc",
        ".",
        "..",
        "a@b",
        "<script>",
        "a'b",
        'a"b',
        "a;b",
        "a%2fb",
        None,
        42,
    ],
)
def test_invalid_user_names_are_refused(make_user, username):
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(username)
    assert error_keys(excinfo) == {"username": ["invalid_username"]}


@pytest.mark.parametrize("username", ["a", "Alice.Smith", "bob_1-2", "a" * 64, "...a", "9"])
def test_valid_user_names_are_accepted(make_user, username):
    assert make_user(username).username == username


@pytest.mark.parametrize("second", ["alice", "ALICE", "Alice"])
def test_duplicate_user_names_are_refused_regardless_of_case(make_user, second):
    make_user("alice")
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(second)
    assert error_keys(excinfo) == {"username": ["user_exists"]}
    assert excinfo.value.errors["username"][0].params == {"name": second}


def test_a_name_taken_meanwhile_is_a_field_error_and_the_transaction_goes_on(
    conn, make_user, monkeypatch
):
    make_user("alice")
    monkeypatch.setattr(accounts, "_user_id", lambda _conn, _name: None)  # the check races
    with pytest.raises(ValidationFailed) as excinfo:
        make_user("alice")
    assert error_keys(excinfo) == {"username": ["user_exists"]}
    assert accounts.get_user_by_name(conn, "alice") is not None


def test_every_problem_is_reported_at_once(make_user):
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(
            "bad name",
            "short",
            roles=["nope"],
            known_roles=(),
            department="nowhere",
            manager="nobody",
            email="not-an-email",
            language="fr",
            display_name="x\x07",
        )
    assert error_keys(excinfo) == {
        "username": ["invalid_username"],
        "password": ["weak_password"],
        "roles": ["unknown_role"],
        "department": ["no_such_department"],
        "manager": ["no_such_user"],
        "email": ["invalid_email"],
        "language": ["invalid_choice"],
        "display_name": ["control_characters"],
    }


def test_display_name_may_not_hide_direction_overrides(make_user):
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(display_name="Bob\u202egnp.exe")
    assert error_keys(excinfo) == {"display_name": ["control_characters"]}


def test_display_names_may_be_any_language(make_user):
    assert make_user(display_name="  张三  ").display_name == "张三"


def test_department_and_manager_are_given_by_code_and_name(conn, make_user):
    sales = depts.create_department(conn, "sales", "Sales")
    boss = make_user("boss")
    user = make_user(department="sales", manager="BOSS", language="en")
    assert (user.department_id, user.manager_id, user.language) == (sales.id, boss.id, "en")
    assert accounts.get_user(conn, user.id) == user


def test_a_user_without_password_cannot_sign_in(conn, make_user):
    make_user("robot", None)
    assert sessions.authenticate(conn, "robot", "") is None
    assert sessions.authenticate(conn, "robot", PASSWORD) is None


# -- reading users ----------------------------------------------------------------------


def test_get_user_is_one_query_whatever_the_roles(conn, make_user):
    user = make_user(roles=["a", "b", "c", "d", "admin"])
    with counting_queries(conn) as statements:
        assert accounts.get_user(conn, user.id).roles == {"a", "b", "c", "d", "admin", "user"}
    assert len(statements) == 1


def test_unknown_users_are_none(conn):
    assert accounts.get_user(conn, 999) is None
    assert accounts.get_user_by_name(conn, "ghost") is None
    assert accounts.get_user_by_name(conn, "../x") is None


def test_get_user_by_name_ignores_case(make_user, conn):
    user = make_user("Alice")
    assert accounts.get_user_by_name(conn, "aLICE") == user


def test_get_users_and_list_users(conn, make_user):
    a, b = make_user("bob", roles=["x"]), make_user("Alice")
    accounts.deactivate(conn, a.id)
    assert set(accounts.get_users(conn, [a.id, b.id, 999])) == {a.id, b.id}
    assert [u.username for u in accounts.list_users(conn)] == ["Alice", "bob"]
    assert [u.username for u in accounts.list_users(conn, include_inactive=False)] == ["Alice"]


def test_bulk_name_lookups_take_one_query_each(conn, make_user):
    alice, bob = make_user("alice"), make_user("Bob")
    with counting_queries(conn) as statements:
        names = accounts.usernames_by_id(conn, [alice.id, bob.id, alice.id, None, 999])
        ids = accounts.user_ids_by_name(conn, ["alice", "bob", "BOB", "ghost", "bad name"])
    assert names == {alice.id: "alice", bob.id: "Bob"}
    assert ids == {"alice": alice.id, "bob": bob.id, "BOB": bob.id}
    assert len(statements) == 2


def test_empty_bulk_lookups_do_not_query(conn):
    with counting_queries(conn) as statements:
        assert accounts.usernames_by_id(conn, []) == {}
        assert accounts.user_ids_by_name(conn, []) == {}
        assert depts.department_codes_by_id(conn, []) == {}
        assert depts.department_ids_by_code(conn, []) == {}
    assert statements == []


def test_users_by_role_and_department(conn, make_user):
    depts.create_department(conn, "hq", "HQ")
    depts.create_department(conn, "it", "IT", parent="hq")
    a = make_user("a", roles=["hr"], department="hq")
    b = make_user("b", roles=["hr"], department="it")
    c = make_user("c")
    accounts.deactivate(conn, b.id)
    assert accounts.user_ids_with_role(conn, "hr") == {a.id}
    assert accounts.user_ids_with_role(conn, "hr", active_only=False) == {a.id, b.id}
    assert accounts.user_ids_with_role(conn, "user") == {a.id, c.id}
    it_and_below = depts.subtree_ids(conn, depts.get_department_by_code(conn, "hq").id)
    assert accounts.user_ids_in_departments(conn, it_and_below) == {a.id, b.id}


# -- signing in -------------------------------------------------------------------------


def test_authenticate_with_the_right_password(conn, make_user):
    user = make_user("alice")
    signed_in = sessions.authenticate(conn, "alice", PASSWORD)
    assert signed_in == user
    last_login = conn.scalar(sa.select(user_table.c.last_login_at))
    assert last_login is not None and utcnow() - last_login < timedelta(minutes=1)


def test_authenticate_ignores_the_case_of_the_name(conn, make_user):
    make_user("alice")
    assert sessions.authenticate(conn, "Alice", PASSWORD).username == "alice"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "wrong password"),
        ("alice", PASSWORD.upper()),
        ("alice", ""),
        ("alice", None),
        ("ghost", PASSWORD),
        ("alice ", PASSWORD),
        ("", PASSWORD),
        (None, PASSWORD),
    ],
)
def test_bad_credentials_fail(conn, make_user, username, password):
    make_user("alice")
    assert sessions.authenticate(conn, username, password) is None
    assert conn.scalar(sa.select(user_table.c.last_login_at)) is None


def test_inactive_users_cannot_sign_in(conn, make_user):
    user = make_user("alice")
    accounts.deactivate(conn, user.id)
    assert sessions.authenticate(conn, "alice", PASSWORD) is None
    assert accounts.get_user(conn, user.id).active is False
    accounts.activate(conn, user.id)
    assert sessions.authenticate(conn, "alice", PASSWORD) is not None


@pytest.mark.parametrize("username", ["alice", "ghost", "not valid!", "inactive"])
def test_failed_sign_in_costs_one_hash_check_whatever_the_name(
    conn, make_user, monkeypatch, username
):
    make_user("alice")
    accounts.deactivate(conn, make_user("inactive").id)
    checks = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: checks.append(h) or real(h, p)
    )
    assert sessions.authenticate(conn, username, "wrong password") is None
    assert len(checks) == 1
    assert checks[0].startswith(passwords.METHOD + "$")


def test_sign_in_upgrades_a_hash_made_with_older_parameters(conn, make_user, monkeypatch):
    make_user("alice")
    monkeypatch.setattr(passwords, "METHOD", "scrypt:2048:8:1")
    assert sessions.authenticate(conn, "alice", PASSWORD) is not None
    assert conn.scalar(sa.select(user_table.c.password_hash)).startswith("scrypt:2048:8:1$")
    assert sessions.authenticate(conn, "alice", PASSWORD) is not None


# -- changing users ---------------------------------------------------------------------


def test_set_password(conn, make_user):
    user = make_user("alice")
    accounts.set_password(conn, user.id, "a new secret")
    assert sessions.authenticate(conn, "alice", PASSWORD) is None
    assert sessions.authenticate(conn, "alice", "a new secret") is not None
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_password(conn, user.id, "short")
    assert error_keys(excinfo) == {"password": ["weak_password"]}
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_password(conn, user.id, "Alice2025")
    assert error_keys(excinfo) == {"password": ["password_like_username"]}


def test_create_user_refuses_a_common_password(conn):
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.create_user(conn, "carol", "sunshine1")
    assert error_keys(excinfo) == {"password": ["common_password"]}
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.create_user(conn, "carol", "carol2025")
    assert error_keys(excinfo) == {"password": ["password_like_username"]}


def test_set_roles_replaces_them(conn, make_user):
    user = make_user(roles=["admin", "sales"])
    accounts.set_roles(conn, user.id, ["hr"], known_roles={"hr", "sales"})
    assert accounts.get_user(conn, user.id).roles == {"hr", "user"}
    accounts.set_roles(conn, user.id, [])
    assert accounts.get_user(conn, user.id).roles == {"user"}
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_roles(conn, user.id, ["boss"], known_roles={"hr"})
    assert error_keys(excinfo) == {"roles": ["unknown_role"]}


def test_a_role_string_is_not_taken_letter_by_letter(conn, make_user):
    user = make_user(roles="sales")
    assert user.roles == {"sales", "user"}


def test_set_manager_refuses_cycles(conn, make_user):
    a = make_user("a")
    b = make_user("b", manager="a")
    c = make_user("c", manager="b")
    for user_id, manager in [(a.id, "a"), (a.id, "b"), (a.id, "c"), (b.id, "c")]:
        with pytest.raises(ValidationFailed) as excinfo:
            accounts.set_manager(conn, user_id, manager)
        assert error_keys(excinfo) == {"manager": ["manager_cycle"]}
    accounts.set_manager(conn, c.id, "a")
    assert accounts.get_user(conn, c.id).manager_id == a.id
    accounts.set_manager(conn, b.id, None)
    accounts.set_manager(conn, a.id, "b")  # b no longer reports to a
    assert accounts.get_user(conn, a.id).manager_id == b.id
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_manager(conn, b.id, "c")  # c -> a -> b
    assert error_keys(excinfo) == {"manager": ["manager_cycle"]}


def test_set_manager_and_department_need_existing_targets(conn, make_user):
    user = make_user()
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_manager(conn, user.id, "ghost")
    assert error_keys(excinfo) == {"manager": ["no_such_user"]}
    with pytest.raises(ValidationFailed) as excinfo:
        accounts.set_department(conn, user.id, "ghost")
    assert error_keys(excinfo) == {"department": ["no_such_department"]}
    dept = depts.create_department(conn, "ops", "Ops")
    accounts.set_department(conn, user.id, "ops")
    assert accounts.get_user(conn, user.id).department_id == dept.id


@pytest.mark.parametrize(
    "change",
    [
        lambda conn: accounts.set_password(conn, 999, PASSWORD),
        lambda conn: accounts.set_roles(conn, 999, ["x"]),
        lambda conn: accounts.set_manager(conn, 999, None),
        lambda conn: accounts.set_department(conn, 999, None),
        lambda conn: accounts.deactivate(conn, 999),
        lambda conn: accounts.activate(conn, 999),
        lambda conn: depts.set_head(conn, 999, None),
        lambda conn: depts.move(conn, 999, None),
        lambda conn: depts.rename(conn, 999, "x"),
        lambda conn: tokens.create_token(conn, 999, "cli"),
        lambda conn: tokens.revoke_token(conn, 999),
    ],
)
def test_changing_what_does_not_exist_is_not_found(conn, change):
    with pytest.raises(NotFound):
        change(conn)


# -- departments ------------------------------------------------------------------------


@pytest.fixture
def tree(conn, make_user):
    """hq > (sales > (north, south), it); and a separate root, lab."""
    make_user("ceo")
    make_user("sales_head")
    made = {}
    for code, parent in [
        ("hq", None),
        ("sales", "hq"),
        ("north", "sales"),
        ("south", "sales"),
        ("it", "hq"),
        ("lab", None),
    ]:
        head = {"hq": "ceo", "sales": "sales_head"}.get(code)
        made[code] = depts.create_department(conn, code, code.title(), parent=parent, head=head).id
    return made


def test_create_department(conn, make_user):
    make_user("boss")
    hq = depts.create_department(conn, "hq", " Head office ", head="boss")
    it = depts.create_department(conn, "it", "IT", parent="hq")
    assert depts.get_department(conn, hq.id) == hq
    assert hq.name == "Head office"
    assert it.parent_id == hq.id and it.head_id is None
    assert [d.code for d in depts.list_departments(conn)] == ["hq", "it"]


def test_department_problems_are_field_errors(conn):
    depts.create_department(conn, "hq", "HQ")
    cases = [
        (("hq", "Again"), {}, {"code": ["department_exists"]}),
        (("bad code", "X"), {}, {"code": ["invalid_department_code"]}),
        (("部门", "X"), {}, {"code": ["invalid_department_code"]}),
        (("x", "  "), {}, {"name": ["required"]}),
        (("x", "a\nb"), {}, {"name": ["control_characters"]}),
        (("x", "n" * 201), {}, {"name": ["max_length"]}),
        (("x", "X"), {"parent": "nowhere"}, {"parent": ["no_such_department"]}),
        (("x", "X"), {"head": "ghost"}, {"head": ["no_such_user"]}),
    ]
    for args, options, expected in cases:
        with pytest.raises(ValidationFailed) as excinfo:
            depts.create_department(conn, *args, **options)
        assert error_keys(excinfo) == expected, args


def test_subtree_holds_the_department_and_everything_below(conn, tree):
    assert depts.subtree_ids(conn, tree["hq"]) == {
        tree[c] for c in ("hq", "sales", "north", "south", "it")
    }
    assert depts.subtree_ids(conn, tree["sales"]) == {tree[c] for c in ("sales", "north", "south")}
    assert depts.subtree_ids(conn, tree["north"]) == {tree["north"]}
    assert depts.subtree_ids(conn, tree["lab"]) == {tree["lab"]}
    assert depts.subtree_ids(conn, 999) == set()


def test_subtree_is_one_query(conn, tree):
    with counting_queries(conn) as statements:
        depts.subtree_ids(conn, tree["hq"])
    assert len(statements) == 1


@pytest.mark.parametrize(("code", "parent"), [("hq", "hq"), ("hq", "north"), ("sales", "south")])
def test_moving_a_department_below_itself_is_refused(conn, tree, code, parent):
    with pytest.raises(ValidationFailed) as excinfo:
        depts.move(conn, tree[code], parent)
    assert error_keys(excinfo) == {"parent": ["department_cycle"]}
    assert depts.get_department(conn, tree[code]).parent_id != tree[parent]


def test_moving_a_department(conn, tree):
    depts.move(conn, tree["sales"], "lab")
    assert depts.subtree_ids(conn, tree["lab"]) == {
        tree[c] for c in ("lab", "sales", "north", "south")
    }
    depts.move(conn, tree["north"], None)
    assert depts.get_department(conn, tree["north"]).parent_id is None
    with pytest.raises(ValidationFailed) as excinfo:
        depts.move(conn, tree["it"], "nowhere")
    assert error_keys(excinfo) == {"parent": ["no_such_department"]}


def test_head_of_is_the_departments_own_head_only(conn, tree):
    ceo = accounts.get_user_by_name(conn, "ceo").id
    assert depts.head_of(conn, tree["hq"]) == ceo
    assert depts.head_of(conn, tree["it"]) is None  # not inherited from hq
    assert depts.head_of(conn, None) is None
    assert depts.head_of(conn, 999) is None


def test_set_head(conn, tree, make_user):
    boss = make_user("new_boss")
    depts.set_head(conn, tree["it"], "NEW_BOSS")
    assert depts.head_of(conn, tree["it"]) == boss.id
    depts.set_head(conn, tree["it"], None)
    assert depts.head_of(conn, tree["it"]) is None
    with pytest.raises(ValidationFailed) as excinfo:
        depts.set_head(conn, tree["it"], "ghost")
    assert error_keys(excinfo) == {"head": ["no_such_user"]}


def test_rename_department(conn, tree):
    depts.rename(conn, tree["it"], "Information technology")
    assert depts.get_department(conn, tree["it"]).name == "Information technology"


def test_department_code_lookups(conn, tree):
    with counting_queries(conn) as statements:
        codes = depts.department_codes_by_id(conn, [tree["hq"], tree["it"], None, 999])
        ids = depts.department_ids_by_code(conn, ["hq", "it", "ghost", "bad code", None])
    assert codes == {tree["hq"]: "hq", tree["it"]: "it"}
    assert ids == {"hq": tree["hq"], "it": tree["it"]}
    assert len(statements) == 2


def test_a_department_code_taken_meanwhile_is_a_field_error(conn, monkeypatch):
    depts.create_department(conn, "hq", "HQ")
    monkeypatch.setattr(depts, "_id_for_code", lambda _conn, _code: None)
    with pytest.raises(ValidationFailed) as excinfo:
        depts.create_department(conn, "hq", "HQ")
    assert error_keys(excinfo) == {"code": ["department_exists"]}
    assert len(depts.list_departments(conn)) == 1


# -- API tokens -------------------------------------------------------------------------


def test_token_is_returned_once_and_stored_hashed(conn, make_user):
    user = make_user()
    token_id, plaintext = tokens.create_token(conn, user.id, "laptop")
    assert plaintext.startswith("ff_") and len(plaintext) == 3 + 43
    row = conn.execute(sa.select(token_table).where(token_table.c.id == token_id)).one()
    assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert row.prefix == plaintext[:8]
    assert all(plaintext not in str(value) for value in row)
    (info,) = tokens.list_tokens(conn, user.id)
    assert (info.id, info.name, info.prefix, info.revoked) == (
        token_id,
        "laptop",
        plaintext[:8],
        False,
    )
    assert plaintext not in repr(info)


def test_tokens_are_unique(conn, make_user):
    user = make_user()
    made = {tokens.create_token(conn, user.id, "t")[1] for _ in range(20)}
    assert len(made) == 20


def test_a_token_identifies_its_user(conn, make_user):
    user = make_user(roles=["sales"])
    _, plaintext = tokens.create_token(conn, user.id, "cli")
    assert tokens.user_for_token(conn, plaintext) == user


@pytest.mark.parametrize(
    "presented",
    ["", "ff_", "ff_wrong", "FF_x", "x" * 46, None, 123, b"ff_bytes", "ff_" + "a" * 500],
)
def test_unknown_or_malformed_tokens_identify_nobody(conn, make_user, presented):
    tokens.create_token(conn, make_user().id, "cli")
    assert tokens.user_for_token(conn, presented) is None


def test_a_tampered_token_identifies_nobody(conn, make_user):
    _, plaintext = tokens.create_token(conn, make_user().id, "cli")
    tampered = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    assert tokens.user_for_token(conn, tampered) is None


def test_revocation_takes_effect_at_once(db):
    with db.write() as c:
        user = accounts.create_user(c, "alice", PASSWORD)
        token_id, plaintext = tokens.create_token(c, user.id, "cli")
        other_id, other = tokens.create_token(c, user.id, "other")
    with db.write() as c:
        assert tokens.user_for_token(c, plaintext) == user
        tokens.revoke_token(c, token_id, user_id=user.id)
        assert tokens.user_for_token(c, plaintext) is None
    with db.read() as c:
        assert tokens.user_for_token(c, plaintext) is None
        assert tokens.user_for_token(c, other) == user
        infos = {i.id: i for i in tokens.list_tokens(c, user.id)}
        assert infos[token_id].revoked and not infos[other_id].revoked
        assert [i.id for i in tokens.list_tokens(c, user.id, include_revoked=False)] == [other_id]


def test_revoking_twice_keeps_the_first_time(conn, make_user):
    user = make_user()
    token_id, _ = tokens.create_token(conn, user.id, "cli")
    tokens.revoke_token(conn, token_id)
    first = tokens.list_tokens(conn, user.id)[0].revoked_at
    tokens.revoke_token(conn, token_id)
    assert tokens.list_tokens(conn, user.id)[0].revoked_at == first


def test_a_user_cannot_revoke_someone_elses_token(conn, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    token_id, plaintext = tokens.create_token(conn, alice.id, "cli")
    with pytest.raises(NotFound):
        tokens.revoke_token(conn, token_id, user_id=bob.id)
    assert tokens.user_for_token(conn, plaintext) == alice


def test_tokens_of_inactive_users_identify_nobody_even_after_reactivation(conn, make_user):
    user = make_user()
    _, plaintext = tokens.create_token(conn, user.id, "cli")
    accounts.deactivate(conn, user.id)
    assert tokens.user_for_token(conn, plaintext) is None
    accounts.activate(conn, user.id)
    assert tokens.user_for_token(conn, plaintext) is None
    _, fresh = tokens.create_token(conn, user.id, "new")
    assert tokens.user_for_token(conn, fresh) == accounts.get_user(conn, user.id)


def test_last_used_is_written_at_most_once_a_minute(conn, make_user, monkeypatch):
    user = make_user()
    token_id, plaintext = tokens.create_token(conn, user.id, "cli")
    start = utcnow()
    clock = iter([start, start + timedelta(seconds=30), start + timedelta(seconds=61)])
    monkeypatch.setattr(tokens, "utcnow", lambda: next(clock))

    def use():
        with counting_queries(conn) as statements:
            tokens.user_for_token(conn, plaintext)
        writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        return len(writes), tokens.list_tokens(conn, user.id)[0].last_used_at

    assert use() == (1, start)
    assert use() == (0, start)
    assert use() == (1, start + timedelta(seconds=61))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "required"),
        ("  ", "required"),
        (None, "required"),
        ("a\tb", "control_characters"),
        ("n" * 101, "max_length"),
    ],
)
def test_token_names_are_checked(conn, make_user, name, key):
    with pytest.raises(ValidationFailed) as excinfo:
        tokens.create_token(conn, make_user().id, name)
    assert error_keys(excinfo) == {"name": [key]}


# -- token lifetimes and the password policy's effect on tokens --------------------------------


def test_a_token_lives_the_policys_days_by_default(conn, make_user):
    user = make_user()
    token_id, _ = tokens.create_token(conn, user.id, "cli")
    (info,) = tokens.list_tokens(conn, user.id)
    assert info.id == token_id
    assert abs(info.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
    assert info.usable and not info.expired


def test_an_expired_token_identifies_nobody(conn, make_user):
    user = make_user()
    token_id, plaintext = tokens.create_token(conn, user.id, "cli", days=1)
    assert tokens.user_for_token(conn, plaintext) is not None
    conn.execute(token_table.update().where(token_table.c.id == token_id)
                 .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert tokens.user_for_token(conn, plaintext) is None
    assert tokens.list_tokens(conn, user.id)[0].expired


@pytest.mark.parametrize(("token_days", "days", "expected"), [
    (90, 7, timedelta(days=7)),
    (90, "30", timedelta(days=30)),
    (90, "", timedelta(days=90)),
    (0, None, None),
    (0, 0, None),
    (0, 3650, timedelta(days=3650)),
])
def test_a_token_lives_the_days_asked_for(conn, make_user, token_days, days, expected):
    user = make_user()
    tokens.create_token(conn, user.id, "cli", days=days,
                        policy=AccountPolicy(token_days=token_days))
    expires_at = tokens.list_tokens(conn, user.id)[0].expires_at
    if expected is None:
        assert expires_at is None
    else:
        assert abs(expires_at - (utcnow() + expected)) < timedelta(minutes=1)


@pytest.mark.parametrize(("token_days", "days", "key"), [
    (90, 0, "token_days_limit"),  # "never" is not allowed under a limit
    (90, 91, "token_days_limit"),
    (90, "soon", "token_days_limit"),
    (90, True, "token_days_limit"),
    (0, -1, "token_days_range"),
    (0, 36501, "token_days_range"),
])
def test_token_days_outside_the_policy_are_refused(conn, make_user, token_days, days, key):
    user = make_user()
    with pytest.raises(ValidationFailed) as excinfo:
        tokens.create_token(conn, user.id, "cli", days=days,
                            policy=AccountPolicy(token_days=token_days))
    assert error_keys(excinfo) == {"days": [key]}
    assert tokens.list_tokens(conn, user.id) == []


def test_a_new_password_revokes_the_users_tokens_by_default(conn, make_user):
    user = make_user()
    _, plaintext = tokens.create_token(conn, user.id, "cli")
    accounts.set_password(conn, user.id, "another-pass-77")
    assert tokens.user_for_token(conn, plaintext) is None
    assert all(t.revoked for t in tokens.list_tokens(conn, user.id))


def test_tokens_survive_a_new_password_when_the_policy_says_so(conn, make_user):
    user = make_user()
    _, plaintext = tokens.create_token(conn, user.id, "cli")
    accounts.set_password(conn, user.id, "another-pass-77",
                          policy=AccountPolicy(password_change_revokes_tokens=False))
    assert tokens.user_for_token(conn, plaintext) is not None
