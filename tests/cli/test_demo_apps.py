"""Each app's demo data lives next to its metadata: the demo loader finds
``<app folder>/demo.py`` (or a ``demo/`` package) in the app folders on the metadata
path, the shipped apps' and a site's alike."""

from __future__ import annotations

import json

from formflow.demo import STEPS
from formflow.demo.apps import demo_modules
from support import ROOT

SHIPPED = ROOT / "metadata" / "apps"


def test_every_shipped_app_brings_its_demo_data_next_to_its_metadata():
    modules = demo_modules([str(SHIPPED)])
    assert sorted(modules) == sorted(p.name for p in SHIPPED.iterdir() if p.is_dir())
    for name, module in modules.items():
        assert callable(module.bulk) and callable(module.live), name
        assert module.__file__.startswith(str(SHIPPED / name))


def test_every_loading_step_finds_its_part():
    modules = demo_modules([str(SHIPPED)])
    for _, app, part in STEPS:
        step = modules[app] if part is None else getattr(modules[app], part)
        assert callable(step.bulk) and callable(step.live)


def test_a_demo_package_imports_its_own_modules():
    oa = demo_modules([str(SHIPPED)])["oa"]
    assert oa.__spec__.submodule_search_locations == [str(SHIPPED / "oa" / "demo")]


def test_a_site_app_folder_brings_its_own_demo(tmp_path):
    folder = tmp_path / "site_app"
    folder.mkdir()
    (folder / "app.json").write_text(json.dumps({"name": "site_app"}))
    (folder / "demo.py").write_text("def bulk(demo, loader):\n    pass\n\n\n"
                                    "def live(demo, live):\n    pass\n")
    (tmp_path / "no_demo").mkdir()
    (tmp_path / "no_demo" / "app.json").write_text(json.dumps({"name": "no_demo"}))
    modules = demo_modules([str(tmp_path)])
    assert list(modules) == ["site_app"]
    assert modules["site_app"].__file__ == str(folder / "demo.py")
