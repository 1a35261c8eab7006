"""Security headers on every response (pages, fragments, errors, static files, the API),
and templates a strict Content-Security-Policy can allow: no inline script, event handler
or style attribute, and every asset served from this site."""

from __future__ import annotations

import io
import re

import pytest

from support import ROOT
from support.helpers import module_app
from support.security_support import SECURITY, World
from support.web_support import HTMX, csrf

TEMPLATES = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("plugins/**/templates/**/*.html")]
FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with module_app(tmp_path_factory.mktemp("security-headers"),
                    metadata_path=(SECURITY,)) as app:
        yield app


@pytest.fixture(scope="module")
def world(app):
    world = World(app)
    world.add("boss", ["admin"], department=None)
    return world


@pytest.fixture(scope="module")
def doc(world):
    return world.record("sec.doc", "boss")


def policy(response) -> dict[str, str]:
    parts = (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
    return dict((p.split(" ", 1) + [""])[:2] for p in parts if p)


PAGES = ["/", "/sec/doc/", "/sec/doc/{id}", "/sec/doc/{id}/edit", "/sec/doc/new", "/inbox",
         "/profile", "/notifications", "/sec/doc/nope/", "/static/formflow.js"]
API = ["/api/v1/meta", "/api/v1/sec/doc", "/api/v1/sec/doc/{id}", "/api/v1/nope",
       "/api/v1/sec/doc/999999"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_every_page_carries_the_headers(world, doc, path, htmx):
    response = world.page("boss").get(path.format(id=doc["id"]), headers=HTMX if htmx else {})
    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    found = policy(response)
    assert found["script-src"] == "'self'" and found["style-src"] == "'self'"
    assert found["frame-ancestors"] == "'none'" and found["object-src"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


def test_the_sign_in_page_and_a_refused_post_carry_them_too(app):
    client = app.test_client()
    for response in (client.get("/login"), client.post("/login", data={})):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert policy(response)["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", API)
@pytest.mark.parametrize("signed", [True, False], ids=["token", "anonymous"])
def test_every_api_answer_carries_the_headers(app, world, doc, path, signed):
    client = world.api["boss"] if signed else app.test_client()
    response = client.get(path.format(id=doc["id"]))
    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    assert policy(response) == {"default-src": "'none'", "frame-ancestors": "'none'"}


def test_a_downloaded_file_keeps_its_stricter_policy(world):
    client = world.page("boss")
    response = client.post(
        "/sec/doc/upload/attachment",
        data={"_upload_attachment": (io.BytesIO(b"hello"), "a.txt"), "csrf_token": csrf(client)},
        content_type="multipart/form-data", headers=HTMX)
    key = re.search(r'value="([0-9a-f]{64}/a\.txt)"', response.get_data(as_text=True)).group(1)
    download = client.get(f"/files/{key}")
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_need_no_unsafe_inline(template):
    text = template.read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text, re.I), "style attribute"
    assert not re.search(r"<style", text, re.I), "style element"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "asset from elsewhere"


def test_the_assets_are_served_locally(world):
    html = world.page("boss").get("/").get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 5
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert world.page("boss").get(asset).status_code == 200
