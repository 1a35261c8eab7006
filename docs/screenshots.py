"""Capture the main pages in Chinese and English as PNG files.

    python docs/screenshots.py docs/images
    python docs/screenshots.py docs/images --page inbox --page process

Builds a throw-away instance with the demo company (``formflow demo``'s data) in a
temporary folder, serves it on 127.0.0.1, and drives Debian's Chromium
(``apt-get install chromium``) with Playwright's Python package (``pip install -e
'.[test]'``); no browser is downloaded.  Writes ``<page>-<lang>.png`` into DIR (every
page, or those named with ``--page``).  When the demo leaves the manager no approvals,
a few quotations are submitted for the process pages to show.

The walk-through of the configurator's guide (``designer-<step>-<lang>.png``) is taken
by its end-to-end browser test instead, which builds the app it shows::

    FORMFLOW_SCREENSHOTS=docs/images python -m pytest -n 0 \
        tests/browser/test_browser_designer_end_to_end.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.auth import get_user_by_name  # noqa: E402
from formflow.demo import ADMIN_PASSWORD, DEMO_PASSWORD, load_demo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALES = {"zh-CN": "zh-CN", "en": "en-US"}
PAGES = ("login", "home", "list", "record", "form", "profile", "inbox", "process", "action",
         "notifications", "admin-users", "admin-plugins", "insights", "insights-process",
         "insights-compare", "dashboard", "designer")
MANAGER = "lihua"


def serve(folder: Path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'formflow.db'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "METADATA_PATH": [str(ROOT / "metadata" / "apps")],
            "PLUGINS_PATH": [str(ROOT / "plugins")],
        }
    )
    runtime = app.extensions["formflow"]
    load_demo(runtime, customers=24)
    process_activity(runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def process_activity(runtime) -> None:
    """Quotations with discounts awaiting the manager (and one approved), unless the demo
    already gave the manager approvals to make."""
    with runtime.db.read() as conn:
        manager = get_user_by_name(conn, MANAGER)
        rep = get_user_by_name(conn, "wangfang")
    if manager is None or rep is None or runtime.model.entity("crm.quotation") is None:
        return
    if runtime.process.tasks(manager, "open"):
        return
    customers = runtime.records.list(rep, "crm.customer", {"per_page": ["5"], "sort": ["id"]})
    made = []
    for index, (subject, discount) in enumerate(
        [("ERP 升级 ERP upgrade", "15"), ("年度维护 Annual support", "12"),
         ("培训套餐 Training pack", "18")]
    ):
        quotation = runtime.records.create(rep, "crm.quotation", {
            "subject": subject,
            "customer": customers.items[index]["id"],
            "lines": [
                {"product": "ERP 授权 ERP licence", "quantity": "2", "list_price": "12000.00",
                 "discount": discount},
                {"product": "实施服务 Implementation", "quantity": "5", "list_price": "800.00",
                 "discount": discount},
            ],
        })
        runtime.process.act(rep, "crm.quotation", quotation["id"], "submit",
                            {"comment": "客户要求年底前签约 The customer wants to sign this year."})
        made.append(quotation["id"])
    runtime.process.act(manager, "crm.quotation", made[-1], "approve",
                        {"comment": "同意，下不为例 Approved, this once."})


def capture(base: str, out: Path, lang: str, pages=PAGES) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale=LOCALES[lang], viewport={"width": 1280, "height": 860})

        def shot(name: str, full: bool = True, on=None) -> None:
            if name not in pages:
                return
            path = out / f"{name}-{lang}.png"
            (on or page).screenshot(path=str(path), full_page=full)
            shots.append(path)

        page.goto(f"{base}/login")
        shot("login", full=False)
        page.fill("#username", "lihua")
        page.fill("#password", DEMO_PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{base}/")
        shot("home")
        page.goto(f"{base}/crm/opportunity/?sort=-total")
        shot("list")
        page.click("table.ff-list tbody tr:first-child td:first-child a")
        page.wait_for_selector("#record-body")
        shot("record")
        page.goto(f"{base}/crm/opportunity/new")
        page.fill("#f-name", "ERP 升级 Upgrade" if lang == "zh-CN" else "ERP upgrade")
        page.click("button[value='add:lines']")
        page.wait_for_selector("#f-lines-0-product")
        page.fill("#f-lines-0-product", "ERP licence")
        page.fill("#f-lines-0-unit_price", "12000")
        page.locator("#f-lines-0-unit_price").blur()
        page.locator("#out-total", has_text="12").wait_for()  # no eval: the CSP forbids it
        shot("form")
        page.goto(f"{base}/profile")
        shot("profile", full=False)
        page.goto(f"{base}/inbox")
        shot("inbox", full=False)
        page.click("#inbox-list .ff-inbox-todo li:first-child a.fw-medium")
        page.wait_for_selector("#process svg")
        shot("process")
        page.click("#process-actions [data-action=approve]")
        page.wait_for_selector("#action-dialog[open]")
        page.fill("#f-comment", "价格可以接受" if lang == "zh-CN" else "The price is fine.")
        shot("action", full=False)
        page.goto(f"{base}/notifications")
        shot("notifications", full=False)
        admin = browser.new_page(locale=LOCALES[lang], viewport={"width": 1280, "height": 860})
        admin.goto(f"{base}/login")
        admin.fill("#username", "admin")
        admin.fill("#password", ADMIN_PASSWORD)
        admin.click("#sign-in")
        admin.wait_for_url(f"{base}/")
        admin.goto(f"{base}/admin/users")
        shot("admin-users", full=False, on=admin)
        admin.goto(f"{base}/admin/plugins")
        shot("admin-plugins", full=False, on=admin)
        admin.goto(f"{base}/insights/")
        shot("insights", on=admin)
        admin.goto(f"{base}/insights/hr/leave_approval")
        admin.wait_for_selector("#heat-map svg")
        shot("insights-process", on=admin)
        split = date.today() - timedelta(days=60)
        admin.goto(f"{base}/insights/hr/leave_approval/compare?a=period:2000-01-01.."
                   f"{split.isoformat()}&b=period:{(split + timedelta(days=1)).isoformat()}.."
                   f"{date.today().isoformat()}")
        admin.wait_for_selector("#difference")
        shot("insights-compare", on=admin)
        page.goto(f"{base}/dashboards/crm/sales_pipeline")
        page.wait_for_selector("[data-widget]")
        shot("dashboard")
        if "designer" in pages:
            design(admin, base, lang)
            shot("designer", on=admin)
        browser.close()
    return shots


def design(page, base: str, lang: str) -> None:
    """Build a small site app in the form designer, its select field selected."""
    zh = lang == "zh-CN"
    app = "fleet_zh" if zh else "fleet"
    page.goto(f"{base}/designer/")
    page.fill("#app-name", app)
    page.fill("#app-label-zh", "车队")
    page.fill("#app-label-en", "Fleet")
    page.click("#new-app button[type=submit]")
    page.fill(f"#entity-en-{app}", "Vehicle")
    page.fill(f"#entity-zh-{app}", "车辆")
    page.click(f"#app-{app} button[type=submit]")
    page.wait_for_selector("#designer")
    for revision, (label, kind) in enumerate(
            [("车牌号" if zh else "Plate", "text"), ("颜色" if zh else "Colour", "select")], 3):
        page.fill("#new-label", label)
        page.click(f"[data-ff-palette] [data-type={kind}]")
        page.wait_for_selector(f"#designer[data-revision='{revision}']")
    page.fill("#p-options", "red | Red | 红色 | red\nblue | Blue | 蓝色 | blue")
    page.locator("#p-options").blur()
    page.wait_for_selector("#designer[data-revision='5']")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--page", action="append", choices=PAGES,
                        help="capture only this page (repeatable); default: all")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server, base = serve(Path(folder))
        try:
            for lang in LOCALES:
                for path in capture(base, args.directory, lang, args.page or PAGES):
                    print(path)
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
