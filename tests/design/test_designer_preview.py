"""The designer's preview: the real form, list and record page of an entity of the
DRAFT (not the published version) with sample records, seen as a chosen role, at phone
width on request; nothing is written to the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from formflow.design.service import DESIGNER_ROLE
from support import TEST_APPS
from support.design_support import VEHICLE, apply, create_app, draft, publish

FRAME = "/designer/fleet/preview/frame"


@pytest.fixture
def metadata_path():
    return [str(TEST_APPS / "valid" / "shop")]


@pytest.fixture
def fleet(admin_api):
    admin_api.headers["Accept-Language"] = "en"
    create_app(admin_api)
    apply(
        admin_api,
        [
            {"op": "add", "path": "app/roles/manager", "value": {"label": "Manager"}},
            {
                "op": "add",
                "path": "entities/vehicle",
                "value": {
                    **VEHICLE,
                    "fields": [
                        *VEHICLE["fields"],
                        {
                            "name": "price",
                            "type": "money",
                            "label": {"en": "Price", "zh-CN": "价格"},
                            "read_roles": ["manager"],
                        },
                        {
                            "name": "kind",
                            "type": "select",
                            "options": [
                                {"value": "van", "label": {"en": "Van", "zh-CN": "面包车"}}
                            ],
                        },
                    ],
                },
            },
        ],
    )
    return admin_api


@pytest.fixture
def designer(make_user, as_user):
    make_user("dana", roles=[DESIGNER_ROLE])
    return lambda lang="en": as_user("dana", lang)


def frame(page, view: str, role: str = "user", status: int = 200) -> str:
    response = page.get(f"{FRAME}?entity=vehicle&view={view}&role={role}")
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def test_the_form_of_an_unpublished_draft_is_the_real_form_with_sample_values(fleet, designer):
    html = frame(designer(), "form")
    assert 'id="record-form"' in html and 'name="plate"' in html
    assert 'value="Plate 1"' in html
    assert 'name="price"' not in html  # read by managers only
    assert 'name="price"' in frame(designer(), "form", role="manager")


def test_the_list_shows_the_sample_records_as_the_role_sees_them(fleet, designer):
    apply(
        fleet,
        [{"op": "set", "path": "entities/vehicle/list", "value": {"columns": ["plate", "price"]}}],
    )
    html = frame(designer("zh-CN"), "list", role="manager")
    assert "Plate1" in html and "Plate3" in html and "价格" in html
    assert "Price" not in frame(designer(), "list")


def test_the_record_page_shows_a_sample_record(fleet, designer):
    html = frame(designer(), "record", role="manager")
    assert "Plate 1" in html and "Van" in html and "Price" in html
    assert "Price" not in frame(designer(), "record")


def test_the_preview_shows_the_draft_not_the_published_version(fleet, designer):
    publish(fleet)
    apply(
        fleet,
        [
            {
                "op": "add",
                "path": "entities/vehicle/fields/colour",
                "value": {"type": "text", "label": {"en": "Colour"}},
            }
        ],
    )
    assert 'name="colour"' in frame(designer(), "form")
    assert 'name="colour"' not in designer().get("/fleet/vehicle/new").get_data(as_text=True)


def test_previewing_writes_nothing(fleet, designer, runtime):
    revision = draft(fleet)["revision"]
    for view in ("form", "list", "record"):
        frame(designer(), view)
    assert draft(fleet)["revision"] == revision
    assert "fleet__vehicle" not in sa.inspect(runtime.db.engine).get_table_names()
    publish(fleet)
    for view in ("form", "list", "record"):
        frame(designer(), view)
    assert fleet.get("fleet/vehicle").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Seen as role", "Phone width (390 px)"]),
        ("zh-CN", ["以角色查看", "手机宽度（390 像素）"]),
    ],
)
def test_the_preview_page_chooses_entity_page_role_and_phone_width(fleet, designer, lang, words):
    html = (
        designer(lang)
        .get("/designer/fleet/preview?entity=vehicle&view=list&role=manager&phone=1")
        .get_data(as_text=True)
    )
    for word in words:
        assert word in html
    assert 'class="ff-preview-frame ff-preview-phone"' in html
    assert 'sandbox="allow-same-origin"' in html
    assert f"{FRAME}?entity=vehicle&amp;role=manager&amp;view=list" in html
    assert "ff-preview-phone" not in designer().get("/designer/fleet/preview").get_data(
        as_text=True
    )
    tabs = designer().get("/designer/fleet/vehicle").get_data(as_text=True)
    assert 'id="open-preview"' in tabs


def test_a_role_that_may_not_create_sees_why(fleet, designer):
    apply(
        fleet,
        [
            {
                "op": "set",
                "path": "entities/vehicle/permissions",
                "value": [{"role": "manager", "read": "all"}],
            }
        ],
    )
    assert "may not create" in frame(designer(), "form", role="manager")
    assert "may not read" in frame(designer(), "list")


def test_a_draft_with_problems_is_not_previewed(fleet, designer):
    apply(fleet, [{"op": "set", "path": "entities/vehicle/title", "value": "{nope}"}])
    assert draft(fleet)["problems"]
    assert "problem" in frame(designer(), "form", status=422)


def test_only_the_frame_may_be_framed_and_only_by_this_site(fleet, designer):
    response = designer().get(f"{FRAME}?entity=vehicle")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    page = designer().get("/designer/fleet/preview")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_others_may_not_preview(fleet, make_user, as_user):
    make_user("eve")
    assert as_user("eve").get("/designer/fleet/preview").status_code == 403
    assert as_user("eve").get(f"{FRAME}?entity=vehicle").status_code == 403


def test_an_unpublished_entity_with_unique_fields_links_and_line_items_previews(fleet, designer):
    apply(
        fleet,
        [
            {
                "op": "add",
                "path": "entities/car",
                "value": {
                    "fields": [
                        {"name": "plate", "type": "text", "unique": True},
                        {"name": "twin", "type": "link", "to": "car"},
                        {
                            "name": "lines",
                            "type": "table",
                            "fields": [{"name": "qty", "type": "integer", "unique": True}],
                        },
                        {"name": "count", "type": "integer", "compute": "len(lines)"},
                    ],
                    "permissions": [{"role": "user", "create": True, "read": "all"}],
                },
            }
        ],
    )
    assert draft(fleet)["problems"] == []
    for view in ("form", "list", "record"):
        response = designer().get(f"{FRAME}?entity=car&view={view}")
        assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    assert "Plate 1" not in designer().get(f"{FRAME}?entity=car&view=record").get_data(
        as_text=True
    )  # no table yet to check a unique value against: left empty
    assert 'value="Plate 1"' in designer().get(f"{FRAME}?entity=vehicle").get_data(as_text=True)


def test_the_record_pages_buttons_follow_the_roles_permissions(fleet, designer):
    apply(
        fleet,
        [
            {
                "op": "set",
                "path": "entities/vehicle/permissions",
                "value": [
                    {"role": "user", "read": "all"},
                    {"role": "manager", "read": "all", "update": "all", "delete": "all"},
                ],
            }
        ],
    )
    manager = frame(designer(), "record", role="manager")
    assert 'id="edit-record"' in manager and ">Delete<" in manager
    reader = frame(designer(), "record")
    assert 'id="edit-record"' not in reader and ">Delete<" not in reader
