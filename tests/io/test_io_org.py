"""Importing and exporting the organisation: departments and users in one file, upserted
by code and user name, links resolved in any row order, all or nothing."""

from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa

from formflow.auth import authenticate, get_user_by_name, list_departments, tables
from formflow.cli import main
from formflow.errors import Forbidden
from formflow.io.importing import ImportFailed, error_lines
from support.io_support import csv_bytes, read_xlsx, xlsx_bytes

HEADER = ["kind", "code", "name", "parent", "head", "manager", "department", "roles",
          "email", "phone", "active"]
#: A manager after the people they manage, a head and a parent on later rows.
COMPANY = [
    HEADER,
    ["user", "amy", "Amy Rep", "", "", "bob", "SALES", "sales_rep", "amy@example.com",
     "+86 138 0000 0001", "true"],
    ["department", "SALES", "Sales", "HQ", "bob", "", "", "", "", "", ""],
    ["user", "bob", "Bob Boss", "", "", "", "HQ", "sales_manager,sales_rep", "", "", ""],
    ["department", "HQ", "Head office", "", "", "", "", "", "", "", ""],
    ["user", "cat", "Cat Gone", "", "", "amy", "SALES", "", "", "", "false"],
]


def org_state(runtime) -> dict[str, list[tuple]]:
    with runtime.db.read() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t))), key=repr)
                for t in (tables.departments, tables.users, tables.user_roles)}


def refused(runtime, actor, data, **options) -> dict[str, list[str]]:
    """The message keys of a refused import by path; asserts nothing was written."""
    before = org_state(runtime)
    with pytest.raises(ImportFailed) as excinfo:
        runtime.org.import_file(actor, data, **options)
    assert org_state(runtime) == before
    return {path: [m.key for m in ms] for path, ms in excinfo.value.errors.items()}


def test_import_builds_the_tree_heads_and_managers_in_any_row_order(runtime, admin, runner):
    result = runtime.org.import_file(admin, csv_bytes(COMPANY))
    assert (result.departments_created, result.users_created) == (2, 3)
    assert result.without_password == ["amy", "bob", "cat"]
    with runtime.db.read() as conn:
        departments = {d.code: d for d in list_departments(conn)}
        amy, bob, cat = (get_user_by_name(conn, n) for n in ("amy", "bob", "cat"))
        phone = conn.scalar(sa.select(tables.users.c.phone).where(tables.users.c.id == amy.id))
        assert authenticate(conn, "amy", "") is None
    assert departments["SALES"].parent_id == departments["HQ"].id
    assert departments["SALES"].head_id == bob.id
    assert (amy.manager_id, cat.manager_id) == (bob.id, amy.id)
    assert bob.roles == {"user", "sales_manager", "sales_rep"}
    assert (amy.email, phone, amy.display_name) == ("amy@example.com", "+86 138 0000 0001",
                                                   "Amy Rep")
    assert (amy.active, cat.active) == (True, False)
    shown = runner.invoke(main, ["user", "show", "amy"])
    assert shown.exit_code == 0, shown.output
    assert "Amy Rep" in shown.output and "SALES" in shown.output
    assert "bob" in shown.output and "sales_rep" in shown.output


def test_dry_run_checks_everything_and_writes_nothing(runtime, admin):
    before = org_state(runtime)
    result = runtime.org.import_file(admin, csv_bytes(COMPANY), dry_run=True)
    assert (result.dry_run, result.users_created, result.departments_created) == (True, 3, 2)
    assert org_state(runtime) == before


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(runtime, admin):
    rows = [
        HEADER,
        ["team", "X", "X", "", "", "", "", "", "", "", ""],
        ["user", "dan", "Dan", "", "", "nobody", "NOPE", "wizard", "not-an-email", "call me",
         "maybe"],
        ["department", "OPS", "", "", "", "", "", "sales_rep", "", "", ""],
        ["user", "Dan", "Dan again", "", "", "", "", "", "", "", ""],
        ["user", "eve", "Eve", "", "", "fay", "", "", "", "", ""],
        ["user", "fay", "Fay", "", "", "eve", "", "", "", "", ""],
    ]
    errors = refused(runtime, admin, csv_bytes(rows))
    assert errors == {
        "row 2.kind": ["org_unknown_kind"],
        "row 3.manager": ["no_such_user"],
        "row 3.department": ["no_such_department"],
        "row 3.roles": ["unknown_role"],
        "row 3.email": ["invalid_email"],
        "row 3.phone": ["invalid_phone"],
        "row 3.active": ["invalid_boolean"],
        "row 4.roles": ["org_not_for_department"],
        "row 4.name": ["required"],
        "row 5.code": ["key_repeated"],
        "row 7.manager": ["manager_cycle"],
    }


def test_problems_are_printed_in_the_users_language(runtime, admin):
    rows = [HEADER, ["user", "dan", "Dan", "", "", "nobody", "", "", "", "", ""]]
    with pytest.raises(ImportFailed) as excinfo:
        runtime.org.import_file(admin, csv_bytes(rows))
    assert error_lines(excinfo.value.errors, "zh-CN") == ["第 2 行: manager: 不存在用户 'nobody'。"]
    assert error_lines(excinfo.value.errors, "en") == ["row 2: manager: No user named 'nobody'."]


def test_a_header_without_kind_or_with_an_unknown_column_is_refused(runtime, admin):
    errors = refused(runtime, admin, csv_bytes([["code", "colour"], ["amy", "red"]]))
    assert errors == {"row 1.colour": ["org_unknown_column"],
                      "row 1.kind": ["org_column_missing"]}


def test_import_again_updates_by_code_and_name_and_keeps_columns_left_out(runtime, admin):
    runtime.org.import_file(admin, csv_bytes(COMPANY))
    again = [
        ["kind", "code", "name", "parent", "manager", "active"],
        ["department", "HQ", "Head office", "SALES", "", ""],  # the tree turned over
        ["department", "SALES", "Sales and marketing", "", "", ""],
        ["user", "AMY", "Amy R.", "", "", "false"],  # names match regardless of case
    ]
    result = runtime.org.import_file(admin, csv_bytes(again))
    assert (result.departments_created, result.departments_updated) == (0, 2)
    assert (result.users_created, result.users_updated, result.without_password) == (0, 1, [])
    with runtime.db.read() as conn:
        departments = {d.code: d for d in list_departments(conn)}
        amy = get_user_by_name(conn, "amy")
    assert departments["SALES"].parent_id is None
    assert departments["HQ"].parent_id == departments["SALES"].id
    assert departments["SALES"].name == "Sales and marketing"
    assert departments["SALES"].head_id is not None  # no head column: kept
    assert (amy.display_name, amy.active, amy.manager_id) == ("Amy R.", False, None)
    assert amy.email == "amy@example.com" and "sales_rep" in amy.roles


def test_a_department_cycle_in_the_file_is_refused(runtime, admin):
    rows = [["kind", "code", "name", "parent"], ["department", "A", "A", "B"],
            ["department", "B", "B", "A"]]
    assert refused(runtime, admin, csv_bytes(rows)) == {"row 3.parent": ["department_cycle"]}


def test_an_admin_cannot_lock_themselves_out(runtime, admin):
    rows = [["kind", "code", "roles", "active"], ["user", "admin", "sales_rep", "false"]]
    assert refused(runtime, admin, csv_bytes(rows)) == {
        "row 2.active": ["own_account_inactive"], "row 2.roles": ["own_admin_role"]}


def test_only_admins_import_or_export(runtime, make_user):
    rep = make_user("rep", roles=["sales_rep"])
    with pytest.raises(Forbidden):
        runtime.org.import_file(rep, csv_bytes(COMPANY))
    with pytest.raises(Forbidden):
        runtime.org.export(rep, "csv")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_imports_back_unchanged(runtime, admin, runner, tmp_path, suffix):
    source = xlsx_bytes(COMPANY) if suffix == "xlsx" else csv_bytes(COMPANY)
    runtime.org.import_file(admin, source)
    target = tmp_path / f"org.{suffix}"
    assert runner.invoke(main, ["export-org", str(target)]).exit_code == 0
    first = target.read_bytes()
    if suffix == "xlsx":
        rows = read_xlsx(first)
        assert rows[0] == HEADER
        assert list(rows[1][:3]) == ["department", "HQ", "Head office"]  # parents first
    before = org_state(runtime)
    done = runner.invoke(main, ["import-org", str(target)])
    assert done.exit_code == 0, done.output
    assert "0 user(s) were created, 4 updated" in done.output  # admin is in the file too
    assert org_state(runtime) == before
    runner.invoke(main, ["export-org", str(target)])
    assert (read_xlsx(target.read_bytes()) if suffix == "xlsx" else target.read_bytes()) == (
        read_xlsx(first) if suffix == "xlsx" else first)


def test_cli_dry_run_and_errors(runtime, runner, tmp_path):
    path = tmp_path / "org.csv"
    path.write_bytes(csv_bytes(COMPANY))
    before = org_state(runtime)
    result = runner.invoke(main, ["import-org", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in result.output
    assert "cannot sign in until one is set" in result.output
    assert org_state(runtime) == before
    path.write_bytes(csv_bytes([HEADER, ["user", "x y", "", "", "", "", "", "", "", "", ""]]))
    result = runner.invoke(main, ["import-org", str(path)])
    assert result.exit_code == 1
    assert "第 2 行: code: 用户名为 1-64 个字母" in result.output  # FORMFLOW_LANGUAGE


# -- the admin page ----------------------------------------------------------------------


def _upload(page, url, data: bytes, name="org.csv"):
    from support.web_support import csrf

    return page.post(url, data={"csrf_token": csrf(page), "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


@pytest.mark.parametrize(("lang", "problem", "preview"), [
    ("en", "row 2: manager: No user named 'nobody'.", "3 users would be created"),
    ("zh-CN", "第 2 行: manager: 不存在用户 'nobody'。", "将新建 2 个部门和 3 个用户"),
])
def test_admin_page_checks_then_imports(runtime, client, lang, problem, preview):
    from support import ADMIN_PASSWORD
    from support.web_support import sign_in

    page = client
    sign_in(page, "admin", ADMIN_PASSWORD)
    page.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert page.get("/admin/organisation").status_code == 200
    bad = _upload(page, "/admin/organisation",
                  csv_bytes([HEADER, ["user", "dan", "", "", "", "nobody", "", "", "", "", ""]]))
    assert bad.status_code == 422
    assert problem in html.unescape(bad.get_data(as_text=True))
    before = org_state(runtime)
    checked = _upload(page, "/admin/organisation", xlsx_bytes(COMPANY), "org.xlsx")
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and preview in text
    assert org_state(runtime) == before
    token = text.split('name="token" value="')[1].split('"')[0]
    from support.web_support import csrf

    done = page.post("/admin/organisation/confirm", data={"csrf_token": csrf(page),
                                                           "token": token})
    assert done.status_code == 302
    with runtime.db.read() as conn:
        assert get_user_by_name(conn, "amy").department_id is not None
    exported = page.get("/admin/organisation/export.csv")
    assert exported.status_code == 200 and b"amy@example.com" in exported.data


def test_admin_page_is_for_admins_only(runtime, as_user, make_user):
    make_user("rep", roles=["sales_rep"])
    page = as_user("rep")
    assert page.get("/admin/organisation").status_code == 403
    assert page.get("/admin/organisation/export.csv").status_code == 403
    before = org_state(runtime)
    assert _upload(page, "/admin/organisation", csv_bytes(COMPANY)).status_code == 403
    assert org_state(runtime) == before
