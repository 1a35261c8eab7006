"""Process versions: publishing a changed process while records are in flight.  Records
keep the version they started with to the end; new records take the newest version."""

from __future__ import annotations

import json
import shutil

import sqlalchemy as sa

from formflow.install import migrate
from formflow.process.tables import process_versions
from support.flow_fixtures import database_url, flow, metadata_path, staff, template  # noqa: F401 (fixtures)
from support.process_helpers import LEAVE, PROCESS_APPS, Flow


def changed_apps(tmp_path):
    """The scenario apps with leave_flow changed: no HR review any more, a manager's
    approval is the last word."""
    apps = tmp_path / "apps"
    shutil.copytree(PROCESS_APPS, apps)
    path = apps / "flow" / "processes" / "leave_flow.json"
    document = json.loads(path.read_text())
    document["states"] = [s for s in document["states"] if s["name"] != "hr_review"]
    transitions = []
    for transition in document["transitions"]:
        sources = transition["from"]
        sources = [
            s for s in ([sources] if isinstance(sources, str) else sources) if s != "hr_review"
        ]
        if sources and transition["to"] != "hr_review":
            transitions.append({**transition, "from": sources})
    document["transitions"] = transitions
    path.write_text(json.dumps(document, indent=2))
    return apps


def versions(runtime) -> list[int]:
    with runtime.db.read() as conn:
        return list(
            conn.scalars(
                sa.select(process_versions.c.version)
                .where(process_versions.c.process == "flow.leave_flow")
                .order_by(process_versions.c.version)
            )
        )


def submitted(flow, staff, days: int = 5) -> int:
    leave = flow.create(staff.emp, LEAVE, kind="annual", days=days, reason="Trip")
    flow.act(staff.emp, LEAVE, leave["id"], "submit")
    return leave["id"]


def test_in_flight_records_finish_on_their_version_and_new_ones_take_the_new_one(
    flow, staff, make_app, tmp_path
):
    waiting_for_boss = submitted(flow, staff)
    waiting_for_hr = submitted(flow, staff)
    flow.act(staff.boss, LEAVE, waiting_for_hr, "approve")

    published = Flow(make_app([changed_apps(tmp_path)]).extensions["formflow"])
    assert versions(published.runtime) == [1, 2]

    fresh = submitted(published, staff)
    assert published.record(LEAVE, fresh)["_process_version"] == 2
    published.act(staff.boss, LEAVE, fresh, "approve")
    assert published.state(LEAVE, fresh) == "approved"  # version 2: no HR review

    published.act(staff.boss, LEAVE, waiting_for_boss, "approve")
    assert published.state(LEAVE, waiting_for_boss) == "hr_review"  # version 1 still
    for leave_id in (waiting_for_boss, waiting_for_hr):
        published.act(staff.hr1, LEAVE, leave_id, "approve")
        published.act(staff.hr2, LEAVE, leave_id, "approve")
        assert published.state(LEAVE, leave_id) == "approved"
        assert {e.process_version for e in published.events(LEAVE, leave_id)} == {1}
        assert {t.process_version for t in published.tasks(LEAVE, leave_id)} == {1}
    assert {e.process_version for e in published.events(LEAVE, fresh)} == {2}


def test_a_worker_started_before_the_change_starts_new_records_on_the_newest_version(
    flow, staff, make_app, tmp_path
):
    make_app([changed_apps(tmp_path)])

    leave_id = submitted(flow, staff)  # through the runtime loaded with version 1
    flow.act(staff.boss, LEAVE, leave_id, "approve")

    assert flow.record(LEAVE, leave_id)["_process_version"] == 2
    assert flow.state(LEAVE, leave_id) == "approved"


def test_migrate_publishes_a_version_only_when_the_process_changed(runtime, make_app, tmp_path):
    migrate(runtime)
    assert versions(runtime) == [1]

    changed = make_app([changed_apps(tmp_path)]).extensions["formflow"]
    migrate(changed)
    assert versions(runtime) == [1, 2]
