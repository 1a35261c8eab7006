"""Helpers shared by the page tests (``test_web_*.py``).

- ``sign_in``: sign a test client in through the login form; returns its CSRF token.
- ``csrf``: the CSRF token of a signed-in client's session.
- ``htmx``: the headers of an htmx request.
- ``form_inputs``: the names and values of a rendered form's inputs, as a browser would
  send them (a checked checkbox after its hidden companion, ...).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from support import PASSWORD

HTMX = {"HX-Request": "true"}


def csrf(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


def sign_in(client, username: str, password: str = PASSWORD) -> str:
    client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf(client)


class _Inputs(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = form_id is None
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.values[-1]
            self.values[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False


def form_inputs(html: str, form_id: str | None = "record-form") -> list[tuple[str, str]]:
    """The values a browser would send for the form (None: every input of a fragment)."""
    parser = _Inputs(form_id)
    parser.feed(html)
    return parser.values


def with_values(inputs: list[tuple[str, str]], **changes) -> list[tuple[str, str]]:
    """The inputs with the last value of each named input replaced."""
    result = list(inputs)
    for name, value in changes.items():
        indexes = [i for i, (n, _) in enumerate(result) if n == name]
        if indexes:
            result[indexes[-1]] = (name, value)
        else:
            result.append((name, value))
    return result


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (tags removed)."""
    match = re.search(
        rf'id="{re.escape(element_id)}"[^>]*>(.*?)</(div|output|span|ul)>', html, re.S
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def html_of(response) -> str:
    return response.get_data(as_text=True)
