"""A process built in the process builder is real: it passes ``formflow check``, it
runs once published, and publishing it changed makes a new process version while the
records already under way keep theirs."""

from __future__ import annotations

import io
import zipfile

import pytest

from formflow.cli import main
from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, publish
from support.web_support import csrf

PAGE = "/designer/fleet/processes/vehicle_approval"


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def builder(make_user, as_user, admin_api):
    """The designer's page client, with the fleet app and its vehicle entity; approvers
    mike and fin."""
    make_user("dana", roles=[DESIGNER_ROLE])
    create_app(admin_api)
    apply(admin_api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    client = as_user("dana")
    client.post("/designer/fleet/processes", data={"csrf_token": csrf(client), "entity": "vehicle"})
    return client


def post(client, api, **form):
    response = client.post(
        f"{PAGE}/ops",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf(client), "revision": draft(api)["revision"], **form},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]


def add_step(client, api, edge: str, name: str, approver: str) -> None:
    """⊕ an approval step ``name`` on ``edge``, then give it to ``approver``."""
    post(client, api, action="step", edge=edge)
    post(client, api, action="set", node=name, part="assignees", kind_0="user", value_0=approver)


def act(api, record: dict, action: str) -> dict:
    response = api.post(f"fleet/vehicle/{record['id']}/actions/{action}", json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_two_step_approval_built_with_plus_passes_check_and_runs(
    builder, admin_api, api_as, make_user, runner, tmp_path
):
    mike, fin = api_as(make_user("mike")), api_as(make_user("fin"))
    add_step(builder, admin_api, "submit@draft>approved", "step_1", "mike")
    add_step(builder, admin_api, "approve@step_1>approved", "step_2", "fin")
    archive = admin_api.get("design/apps/fleet/export").get_data()
    zipfile.ZipFile(io.BytesIO(archive)).extractall(tmp_path)
    result = runner.invoke(main, ["check", str(tmp_path / "fleet")])
    assert result.exit_code == 0, result.output
    assert publish(admin_api)["version"] == 1

    eve = api_as(make_user("eve"))
    record = eve.post("fleet/vehicle", json={"plate": "沪A1"}).get_json()
    assert act(eve, record, "submit")["_state"] == "step_1"
    assert act(mike, record, "approve")["_state"] == "step_2"
    assert act(fin, record, "approve")["_state"] == "approved"


def test_a_record_under_way_keeps_its_version_after_a_changed_process_is_published(
    builder, admin_api, api_as, make_user
):
    mike = api_as(make_user("mike"))
    add_step(builder, admin_api, "submit@draft>approved", "step_1", "mike")
    publish(admin_api)
    eve = api_as(make_user("eve"))
    early = eve.post("fleet/vehicle", json={"plate": "沪A1"}).get_json()
    assert act(eve, early, "submit")["_process_version"] == 1

    add_step(builder, admin_api, "approve@step_1>approved", "step_2", "fin")
    assert publish(admin_api)["version"] == 2
    late = eve.post("fleet/vehicle", json={"plate": "沪A2"}).get_json()
    assert act(eve, late, "submit")["_process_version"] == 2

    assert act(mike, early, "approve")["_state"] == "approved"  # version 1: one step
    moved = act(mike, late, "approve")
    assert (moved["_state"], moved["_process_version"]) == ("step_2", 2)
