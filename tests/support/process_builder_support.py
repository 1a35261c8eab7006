"""Helpers of the process builder's page and browser tests: the fleet app's vehicle
process as the builder makes it, one submission of the builder's forms, and a ⊕ picked
in a browser page."""

from __future__ import annotations

from support.design_support import draft
from support.web_support import csrf

PAGE = "/designer/fleet/processes/vehicle_approval"


def process(api) -> dict:
    return draft(api)["documents"]["processes/vehicle_approval.json"]


def post(client, api, status=200, **form):
    revision = form.pop("revision", None) or draft(api)["revision"]
    response = client.post(
        f"{PAGE}/ops",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf(client), "revision": revision, **form},
    )
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def moves(document: dict) -> list[tuple]:
    return [(t["name"], t["from"], t["to"], t.get("when")) for t in document["transitions"]]


def add(page, edge: str, kind: str) -> None:
    """In a browser ``page``, open the ⊕ menu on the edge ``edge`` and pick ``kind``
    (``step``, ``branch``, ``parallel``, ...)."""
    point = page.locator(f".ff-add[data-edge='{edge}']")
    point.locator("summary").click()
    point.locator(f"[data-add={kind}]").click()
