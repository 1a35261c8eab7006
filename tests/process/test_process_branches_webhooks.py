"""Webhook payloads of moves inside parallel branches name the branch; the record stays
in its parallel state until the join."""

from __future__ import annotations

import json

import sqlalchemy as sa

from formflow.auth import create_user
from formflow.fields.columns import utcnow
from support import ROOT
from support.branch_fixtures import BRANCH_APPS, DEAL


def test_a_move_inside_a_branch_names_the_branch_in_the_webhook_payload(make_app):
    app = make_app([BRANCH_APPS], PLUGINS_PATH=[str(ROOT / "plugins")],
                   PLUGIN_WEBHOOKS_ALLOW="127.0.0.1",
                   PLUGIN_WEBHOOKS_DELIVER_AFTER_COMMIT="false")
    runtime = app.extensions["formflow"]
    tables = runtime.schema.metadata.tables
    with runtime.db.write() as conn:
        conn.execute(sa.insert(tables["webhooks_endpoints"]).values(
            entity=DEAL, events=["transition"], url="http://127.0.0.1:9/hook", secret="s",
            active=True, created_at=utcnow()))
        ann = create_user(conn, "ann", None)
        otto = create_user(conn, "otto", None, roles=["ops"], known_roles=runtime.model.roles)
    deal = runtime.records.create(ann, DEAL, {"subject": "Supply", "amount": "10"})
    runtime.process.act(ann, DEAL, deal["id"], "submit", {})

    runtime.process.act(otto, DEAL, deal["id"], "approve", {})

    with runtime.db.read() as conn:
        bodies = [json.loads(b) for b in conn.execute(
            sa.select(tables["webhooks_deliveries"].c.body)
            .order_by(tables["webhooks_deliveries"].c.id)).scalars()]
    assert [b["transition"] for b in bodies] == [
        {"action": "submit", "from": "draft", "to": "review", "comment": None},
        {"action": "approve", "from": "ops_review", "to": "review", "comment": None,
         "branch": "ops"},
    ]
    assert bodies[-1]["record"]["_state"] == "review"
