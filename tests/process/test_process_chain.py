"""The manager chain (逐级审批): ``{"managers_of": F}`` gives the step to each manager
above a person, lowest first, up to ``levels`` levels or to the first one ``until``
names; deactivated managers are skipped; with a sequential approval each level decides
in turn."""

from __future__ import annotations

import json
import shutil

import pytest

from formflow.auth import deactivate
from formflow.auth.tables import users
from formflow.metadata.loader import collect_problems
from support.rules_support import CLAIM, RULES_APPS, flow, metadata_path, org, submitted  # noqa: F401


def order(flow, record_id) -> list[tuple[str, str]]:
    return [(t.username, t.status) for t in flow.tasks(CLAIM, record_id)]


@pytest.mark.parametrize(("route", "chain"), [
    ("levels", ["m1", "m2"]),
    ("head", ["m1", "m2"]),
    ("role", ["m1", "m2", "m3"]),
    ("top", ["m1", "m2", "m3", "ceo"]),
])
def test_the_chain_stops_where_the_rule_says(flow, org, route, chain):
    claim_id = submitted(flow, org.emp, route, owner="emp")

    assert order(flow, claim_id) == [(chain[0], "open")] + [(m, "waiting") for m in chain[1:]]


def test_each_level_decides_in_turn_and_the_last_one_moves_the_record(flow, org):
    claim_id = submitted(flow, org.emp, "role")

    for manager in (org.m1, org.m2):
        flow.act(manager, CLAIM, claim_id, "approve")
        assert flow.state(CLAIM, claim_id) == "role"
    assert flow.holders(CLAIM, claim_id) == ["m3"]
    flow.act(org.m3, CLAIM, claim_id, "approve")
    assert flow.state(CLAIM, claim_id) == "approved"


def test_a_deactivated_manager_is_skipped_and_the_chain_goes_on(runtime, flow, org):
    with runtime.db.write() as conn:
        deactivate(conn, org.m2.id)

    claim_id = submitted(flow, org.emp, "role")

    assert [name for name, _ in order(flow, claim_id)] == ["m1", "m3"]


def test_a_person_without_managers_leaves_the_step_to_the_admins(flow, org, admin):
    claim_id = submitted(flow, org.ceo, "levels")

    [task] = flow.tasks(CLAIM, claim_id)
    assert (task.username, task.flagged) == ("admin", True)


def test_a_chain_that_loops_ends_where_it_would_repeat(runtime, flow, org):
    with runtime.db.write() as conn:  # a loop: ceo -> m1 -> m2 -> m3 -> ceo
        conn.execute(users.update().where(users.c.id == org.ceo.id).values(manager_id=org.m1.id))

    claim_id = submitted(flow, org.emp, "top", owner="emp")

    assert [name for name, _ in order(flow, claim_id)] == ["m1", "m2", "m3", "ceo"]


def problems_with(tmp_path, change) -> dict[str, tuple[str, bool]]:
    """The problems (and warnings) of the scenario app after ``change`` to its process."""
    folder = tmp_path / "approvals"
    shutil.copytree(RULES_APPS / "approvals", folder)
    path = folder / "processes" / "claim_flow.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return {p.path: (p.message, p.is_warning)
            for p in collect_problems([tmp_path], warnings=True)}


def test_the_checker_refuses_bad_chain_rules_and_warns_of_a_parallel_chain(tmp_path):
    def change(doc):
        doc["states"][1]["assignees"] = [{"managers_of": "subject", "until": {"role": "nobody"}}]
        doc["states"][3]["approval"] = "any"

    found = problems_with(tmp_path, change)

    assert "not a user field" in found["states/1/assignees/0/managers_of"][0]
    assert "nobody" in found["states/1/assignees/0/until/role"][0]
    assert found["states/3/approval"][1] is True  # a warning


def test_levels_belong_to_a_manager_chain_only(tmp_path):
    def change(doc):
        doc["states"][2]["assignees"] = [{"role": "director", "levels": 2}]

    found = problems_with(tmp_path, change)

    assert list(found) == ["states/2/assignees/0"], found


@pytest.mark.parametrize(("lang", "texts"), [
    ("en", ["each manager above the requester, up to 2 levels",
            "each manager above the requester, up to the department head",
            "each manager above the requester, up to the first Director"]),
    ("zh-CN", ["申请人的各级上级，最多 2 级", "申请人的各级上级，直到部门负责人",
               "申请人的各级上级，直到第一位总监"]),
])
def test_the_process_page_says_who_a_chain_reaches(client, admin, lang, texts):
    from support import ADMIN_PASSWORD
    from support.web_support import sign_in

    sign_in(client, "admin", ADMIN_PASSWORD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    html = client.get("/insights/approvals/claim_flow").get_data(as_text=True)

    for text in texts:
        assert text in html.replace("&#39;", "'")
