"""A record's page, history, delete and restore; files; the profile page."""

from __future__ import annotations

import io

import pytest

from support.helpers import LAB, SAMPLE
from support.web_support import HTMX, csrf, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def browser(client, manager):
    sign_in(client, "mia")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def record(runtime, manager):
    made = runtime.records.create(
        manager,
        SAMPLE,
        {
            "name": "Gadget",
            "quantity": 1,
            "budget": "1234567.5",
            "kind": "special",
            "special_reason": "line one\nline two",
            "score": 4,
            "lines": [{"item": "Bolt", "qty": 2, "unit_price": "3"}],
        },
    )
    runtime.records.update(manager, SAMPLE, made["id"], {"quantity": 9})
    return made


def test_the_record_page_shows_fields_and_line_items(browser, record):
    html = browser.get(f"/lab/sample/{record['id']}").get_data(as_text=True)
    assert "Gadget" in html and "1,234,567.50" in html and "Bolt" in html and "6.00" in html
    assert 'aria-label="4 of 5 stars"' in html and "ff-multiline" in html


def test_the_history_shows_who_changed_what(browser, record):
    html = browser.get(f"/lab/sample/{record['id']}").get_data(as_text=True)
    assert "created the record" in html and "changed" in html
    old = '<span class="ff-old"><span class="ff-number">1</span></span>'
    new = '<span class="ff-new"><span class="ff-number">9</span></span>'
    assert f"{old} → {new}" in html


def test_the_page_leaves_room_for_the_process(browser, record):
    html = browser.get(f"/lab/sample/{record['id']}").get_data(as_text=True)
    assert 'id="process"' in html and 'id="process-actions"' in html


def test_an_htmx_request_gets_the_record_body(browser, record):
    response = browser.get(f"/lab/sample/{record['id']}", headers=HTMX)
    assert (
        "<html" not in response.get_data(as_text=True) and "HX-Request" in response.headers["Vary"]
    )


def test_an_unknown_record_is_404(browser):
    assert browser.get("/lab/sample/999").status_code == 404


def test_delete_moves_to_the_trash(browser, runtime, manager, record):
    response = browser.post(
        f"/lab/sample/{record['id']}/delete", data={"csrf_token": csrf(browser), "_version": "2"}
    )
    assert response.status_code == 302 and response.location == "/lab/sample/"
    assert browser.get(f"/lab/sample/{record['id']}").status_code == 404
    assert "Gadget" in browser.get("/lab/sample/trash").get_data(as_text=True)


def test_delete_of_a_changed_record_is_refused(browser, runtime, record):
    response = browser.post(
        f"/lab/sample/{record['id']}/delete", data={"csrf_token": csrf(browser), "_version": "1"}
    )
    assert response.status_code == 302 and response.location.endswith(f"/{record['id']}")
    assert browser.get(f"/lab/sample/{record['id']}").status_code == 200


# -- files ------------------------------------------------------------------------


def upload(browser, name, data, filename):
    return browser.post(
        f"/lab/sample/upload/{name}",
        data={
            f"_upload_{name}": (io.BytesIO(data), filename),
            "csrf_token": csrf(browser),
        },
        content_type="multipart/form-data",
        headers=HTMX,
    )


def test_an_upload_is_stored_by_content(browser, app):
    response = upload(browser, "photo", PNG, "My photo.png")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    import hashlib

    digest = hashlib.sha256(PNG).hexdigest()
    assert f'value="{digest}/My_photo.png"' in html
    runtime = app.extensions["formflow"]
    assert b"".join(runtime.files.chunks(f"{digest}/My_photo.png")) == PNG
    assert browser.get(f"/files/{digest}/My_photo.png").data == PNG


@pytest.mark.parametrize(
    ("name", "data", "filename"),
    [
        ("photo", b"not an image", "fake.png"),
        ("photo", PNG, "photo.pdf"),
        ("attachment", b"<script>", "page.html"),
        ("attachment", b"", "empty.txt"),
    ],
)
def test_uploads_are_limited_by_type(browser, name, data, filename):
    html = upload(browser, name, data, filename).get_data(as_text=True)
    assert 'role="alert"' in html and f'name="{name}" value=""' in html


def test_uploads_are_limited_by_size(browser, app):
    app.config["UPLOAD_MAX_BYTES"] = 100
    html = upload(browser, "attachment", b"x" * 200, "big.txt").get_data(as_text=True)
    assert "larger than" in html


def test_a_saved_file_is_downloaded_through_its_record(
    browser, client, runtime, manager, make_user
):
    key = upload(browser, "attachment", b"hello", "notes.txt").get_data(as_text=True)
    import re

    key = re.search(r'name="attachment" value="([^"]+)"', key).group(1)
    made = runtime.records.create(
        manager,
        SAMPLE,
        {
            "name": "With file",
            "attachment": key,
            "lines": [
                {
                    "item": "a",
                    "qty": 1,
                    "unit_price": "1",
                }
            ],
        },
    )
    response = browser.get(f"/lab/sample/{made['id']}/files/attachment")
    assert response.data == b"hello" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = browser.get(f"/lab/sample/{made['id']}").get_data(as_text=True)
    assert f"/lab/sample/{made['id']}/files/attachment" in page
    # someone who may not read the record gets nothing, not even through the upload URL
    make_user("carl", roles=["clerk"])
    other = client.application.test_client()
    sign_in(other, "carl")
    assert other.get(f"/lab/sample/{made['id']}/files/attachment").status_code == 404
    assert other.get(f"/files/{key}").status_code == 404


def test_an_upload_needs_a_file_field(browser):
    assert upload(browser, "name", b"x", "a.txt").status_code == 404


# -- profile ----------------------------------------------------------------------


def test_changing_the_password(browser, runtime):
    from formflow.auth import authenticate
    from support import PASSWORD

    response = browser.post(
        "/profile/password",
        data={
            "csrf_token": csrf(browser),
            "current_password": PASSWORD,
            "new_password": "a-much-better-one",
            "confirm_password": "a-much-better-one",
        },
    )
    assert response.status_code == 302
    with runtime.db.write() as conn:
        assert authenticate(conn, "mia", "a-much-better-one") is not None


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [
        ("wrong-password", "a-much-better-one", "a-much-better-one", "current_password"),
        ("tulip-sesame-42", "a-much-better-one", "something-else", "confirm_password"),
        ("tulip-sesame-42", "short", "short", "new_password"),
    ],
)
def test_a_refused_password_change_says_why(browser, current, new, confirm, field):
    response = browser.post(
        "/profile/password",
        data={
            "csrf_token": csrf(browser),
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}" name="{field}"' in html.replace('class="form-control is-invalid" ', "")
    assert "is-invalid" in html


def test_creating_and_revoking_a_token(browser, runtime, manager):
    from formflow.auth import list_tokens, user_for_token

    response = browser.post("/profile/tokens", data={"csrf_token": csrf(browser), "name": "script"})
    html = response.get_data(as_text=True)
    import re

    token = re.search(r'id="new-token">([^<]+)<', html).group(1)
    with runtime.db.write() as conn:
        assert user_for_token(conn, token).username == "mia"
        token_id = list_tokens(conn, manager.id)[0].id
    assert "script" in browser.get("/profile").get_data(as_text=True)
    assert token not in browser.get("/profile").get_data(as_text=True)  # shown once only
    browser.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf(browser)})
    with runtime.db.write() as conn:
        assert user_for_token(conn, token) is None


def test_a_token_of_someone_else_cannot_be_revoked(browser, runtime, make_user):
    from formflow.auth import create_token, user_for_token

    otto = make_user("otto")
    with runtime.db.write() as conn:
        token_id, token = create_token(conn, otto.id, "his")
    browser.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf(browser)})
    with runtime.db.write() as conn:
        assert user_for_token(conn, token) is not None
