"""Helpers of the designer's API tests: a fleet app built through operations, and the
tables a design operation writes."""

from __future__ import annotations

from formflow.design.overlay_tables import overlay_heads, overlay_versions, overlays
from formflow.design.tables import design_apps, design_documents, design_log, design_versions
from formflow.storage.system import published_apps

#: What designing writes (``database_state(runtime, *DESIGN_TABLES)``): site apps, their
#: drafts, operation logs and versions, the overlays of shipped apps, the published apps.
DESIGN_TABLES = (
    design_apps,
    design_documents,
    design_log,
    design_versions,
    overlays,
    overlay_heads,
    overlay_versions,
    published_apps,
)

VEHICLE = {
    "label": {"en": "Vehicle", "zh-CN": "车辆"},
    "fields": [
        {"name": "plate", "type": "text", "required": True},
        {"name": "tel", "type": "text"},
        {"name": "seats", "type": "text"},
    ],
    "permissions": [{"role": "user", "create": True, "read": "all", "update": "all"}],
}


def create_app(api, name: str = "fleet") -> dict:
    response = api.post("design/apps", json={"name": name, "label": {"en": "Fleet"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def draft(api, app: str = "fleet") -> dict:
    response = api.get(f"design/apps/{app}/draft")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def apply(api, ops: list, app: str = "fleet", revision: int | None = None, status: int = 200):
    if revision is None:
        revision = draft(api, app)["revision"]
    response = api.post(f"design/apps/{app}/draft/ops", json={"ops": ops},
                        headers={"If-Match": str(revision)})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def publish(api, app: str = "fleet", status: int = 200, **body):
    response = api.post(f"design/apps/{app}/publish", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def fleet(api) -> None:
    """The fleet app with its vehicle entity, published as version 1."""
    create_app(api)
    apply(api, [{"op": "add", "path": "entities/vehicle", "value": VEHICLE}])
    assert publish(api, note="first")["version"] == 1
