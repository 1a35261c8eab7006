"""Every page text in Chinese and English; numbers and dates in the page's locale; the
translation files complete and compiled; every template compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from formflow.i18n import Message, wait_span
from formflow.web.setup import TRANSLATIONS
from support.helpers import LAB, SAMPLE
from support.web_support import sign_in

ROOT = Path(__file__).resolve().parents[2]
CATALOG = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def page_texts() -> set[str]:
    """Every translatable text in the page code and templates."""
    found = set()
    for folder, methods in (
        (ROOT / "platform" / "formflow" / "web", [("**.py", "python")]),
        (ROOT / "templates", [("**.html", "jinja2")]),
        (ROOT / "plugins", [("**.py", "python"), ("**.html", "jinja2")]),  # shipped plugins
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder),
            method_map=methods,
            keywords=KEYWORDS,
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _singular(message_id) -> str:
    """A message's id; the singular of a plural message (ngettext)."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _key(text):
    """Plural ids and translations are lists in a catalog: tuples compare and hash."""
    return text if isinstance(text, str) else tuple(text)


def test_every_page_text_is_translated_to_chinese():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {_singular(m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    assert page_texts() - translated == set()


def test_the_compiled_catalog_matches_its_source():
    with open(CATALOG / "messages.po", "rb") as handle:
        source = {_key(m.id): _key(m.string) for m in read_po(handle) if m.id}
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run pybabel compile (docs/user-guide/ui.md)"


def test_every_template_compiles(app):
    for path in (ROOT / "templates").rglob("*.html"):
        app.jinja_env.get_template(str(path.relative_to(ROOT / "templates")))


@pytest.fixture
def metadata_path():
    return [str(LAB)]


@pytest.fixture
def record_page(client, runtime, make_user):
    mia = make_user("mia", roles=["manager"])
    record = runtime.records.create(
        mia, SAMPLE, {"name": "Priced", "budget": "1234567.5", "due": "2024-05-01"}
    )
    sign_in(client, "mia")
    return lambda lang: client.get(
        f"/lab/sample/{record['id']}", headers={"Accept-Language": lang}
    ).get_data(as_text=True)


def test_dates_and_numbers_follow_the_locale(record_page):
    chinese, english = record_page("zh-CN"), record_page("en")
    assert "2024年5月1日" in chinese and "May 1, 2024" in english
    assert "1,234,567.50" in chinese and "1,234,567.50" in english


def test_page_texts_and_labels_follow_the_language(record_page):
    chinese, english = record_page("zh-CN"), record_page("en")
    assert "变更历史" in chinese and "名称" in chinese and '<html lang="zh-CN">' in chinese
    assert "History" in english and ">Name<" in english and '<html lang="en">' in english


@pytest.mark.parametrize(("seconds", "en", "zh"), [
    (12, "12 seconds", "12 秒"),
    (60, "about a minute", "约 1 分钟"),
    (90, "about 2 minutes", "约 2 分钟"),
    (3598, "about an hour", "约 1 小时"),
    (7300, "about 2 hours", "约 2 小时"),
])
def test_a_wait_reads_as_people_say_it(seconds, en, zh):
    wait = Message("too_many_attempts", {"wait": wait_span(seconds)})
    assert wait.render("en") == f"Too many attempts; try again in {en}."
    assert wait.render("zh-CN") == f"尝试次数过多，请{zh}后重试。"

