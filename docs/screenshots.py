"""Capture the main pages in Chinese and English as PNG files.

    python docs/screenshots.py docs/images

Builds a throw-away instance with the demo company (``formflow demo``'s data) in a
temporary folder, serves it on 127.0.0.1, and drives Debian's Chromium
(``apt-get install chromium``) with Playwright's Python package (``pip install -e
'.[test]'``); no browser is downloaded.  Writes ``<page>-<lang>.png`` into DIR.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from formflow import create_app  # noqa: E402
from formflow.demo import DEMO_PASSWORD, load_demo  # noqa: E402

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


def serve(folder: Path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'formflow.db'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "METADATA_PATH": [str(ROOT / "metadata" / "apps")],
            "PLUGINS_PATH": [str(ROOT / "plugins")],
        }
    )
    load_demo(app.extensions["formflow"], customers=24)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def capture(base: str, out: Path, lang: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale=LOCALES[lang], viewport={"width": 1280, "height": 860})

        def shot(name: str, full: bool = True) -> None:
            path = out / f"{name}-{lang}.png"
            page.screenshot(path=str(path), full_page=full)
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
        page.wait_for_function("document.querySelector('#out-total').textContent.includes('12')")
        shot("form")
        page.goto(f"{base}/profile")
        shot("profile", full=False)
        browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server, base = serve(Path(folder))
        try:
            for lang in LOCALES:
                for path in capture(base, args.directory, lang):
                    print(path)
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
