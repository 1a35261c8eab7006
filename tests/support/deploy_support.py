"""The ``tally`` app of the deployment tests (tests/metadata/deploy), copied for a test to
edit and publish while the app runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import TEST_APPS

DEPLOY_APPS = TEST_APPS / "deploy"

TALLY = "tally/counter"


def editable_apps(folder: Path) -> list[Path]:
    """A copy of the tally app in ``folder``, for a test to edit."""
    shutil.copytree(DEPLOY_APPS, folder / "apps")
    return [folder / "apps"]


def add_note_field(metadata_path) -> None:
    path = Path(metadata_path[0]) / "tally" / "entities" / "counter.json"
    document = json.loads(path.read_text())
    document["fields"].append({"name": "note", "type": "text"})
    path.write_text(json.dumps(document))
