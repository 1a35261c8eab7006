"""Stored files belong to whoever uploaded them and to the records holding them: knowing a
file's SHA-256 is not enough to attach it to a record of one's own and download it from
there.  Victor attaches a contract to his customer; Alice, who may not read that
customer, learns the file's key (see ``leak_support``)."""

from __future__ import annotations

import hashlib
import io

import pytest

from support.helpers import module_app, problem
from support.io_support import csv_bytes
from support.leak_support import LINKS
from support.web_support import HTMX, csrf

CONTRACT = b"Victor's contract: price 123456, do not share"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-files"), metadata_path=(LINKS,)) as app:
        yield app


def upload(client, data: bytes, filename: str, path: str = "/lnk/customer/upload/contract",
           name: str = "contract") -> str:
    response = client.post(path, data={f"_upload_{name}": (io.BytesIO(data), filename),
                                       "csrf_token": csrf(client)},
                           content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 200
    digest = hashlib.sha256(data).hexdigest()
    assert digest in response.get_data(as_text=True)
    return f"{digest}/{filename}"


@pytest.fixture(scope="module")
def victors_key(links):
    key = upload(links.world.page("victor"), CONTRACT, "contract.txt")
    saved = links.world.api["victor"].patch(
        f"lnk/customer/{links.victor_customer['id']}", json={"contract": key})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    return key


def _alices_customer(links) -> str:
    return f"lnk/customer/{links.alice_customer['id']}"


def test_the_uploader_attaches_and_downloads_the_file(links, victors_key):
    page = links.world.page("victor")
    response = page.get(f"/lnk/customer/{links.victor_customer['id']}/files/contract")
    assert response.data == CONTRACT


@pytest.mark.parametrize("how", ["update", "create", "other entity"])
def test_a_known_digest_cannot_be_attached_without_access(links, victors_key, how):
    alice = links.world.api["alice"]
    unknown = hashlib.sha256(b"nothing stored").hexdigest() + "/contract.txt"
    before = links.state()
    answers = []
    for key in (victors_key, unknown):
        if how == "update":
            response = alice.patch(_alices_customer(links), json={"contract": key})
        elif how == "create":
            response = alice.post("lnk/customer", json={"name": "Thief", "contract": key})
        else:
            response = alice.post("lnk/contact", json={"name": "Thief", "attachment": key})
        answers.append(problem(response, 422))
    field = "attachment" if how == "other entity" else "contract"
    assert list(answers[0]["errors"]) == [field]
    assert answers[0] == answers[1]  # a stored file and a missing one answer alike
    assert links.state() == before
    download = links.world.page("alice").get(
        f"/lnk/customer/{links.alice_customer['id']}/files/contract")
    assert download.status_code == 404 and CONTRACT not in download.data


def test_an_import_cannot_attach_a_known_digest(links, victors_key):
    alice = links.world.api["alice"]
    data = csv_bytes([["name", "contract"], ["Imported thief", victors_key]])
    body = problem(alice.post("lnk/customer/import?dry_run=1", data=data,
                              headers={"Content-Type": "text/csv"}), 422)
    assert list(body["errors"]) == ["row 2.contract"]


def test_a_preview_refuses_a_known_digest(links, victors_key):
    page = links.world.page("alice")
    response = page.post(f"/lnk/customer/{links.alice_customer['id']}/preview",
                         data={"csrf_token": csrf(page), "name": "Alice Foods",
                               "contract": victors_key, "_touched": "contract"},
                         headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "无权附加" in html


def test_whoever_uploads_the_same_content_may_attach_it(links, victors_key):
    page = links.world.page("alice")
    mine = upload(page, CONTRACT, "contract.txt")
    assert mine == victors_key
    response = links.world.api["alice"].patch(_alices_customer(links), json={"contract": mine})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert page.get(f"/lnk/customer/{links.alice_customer['id']}/files/contract").data == CONTRACT
    links.world.api["alice"].patch(_alices_customer(links), json={"contract": None})


def test_a_reader_of_the_holding_record_may_copy_the_attachment(links, victors_key):
    """Fiona may read Victor's customer: she may attach its contract elsewhere."""
    fiona = links.world.api["fiona"]
    response = fiona.post("lnk/contact", json={"name": "Copy", "attachment": victors_key})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_an_upload_is_its_users_in_every_session(links):
    """Uploaded in a page, attached through the API (another session) by the same user."""
    key = upload(links.world.page("victor"), b"victor's second file", "second.txt",
                 "/lnk/contact/upload/attachment", "attachment")
    response = links.world.api["victor"].post("lnk/contact", json={"name": "Mine",
                                                                   "attachment": key})
    assert response.status_code == 201, response.get_data(as_text=True)
