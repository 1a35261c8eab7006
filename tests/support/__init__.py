"""What the tests share besides fixtures: the paths of the shipped and the scenario apps,
the test passwords and the PostgreSQL server the suite may use.  Helper modules of this
package hold the rest (``helpers``, ``web_support``, ``process_helpers``, ...); fixtures
live in the conftest.py of the folder whose tests use them."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_APPS = ROOT / "metadata" / "apps"
#: The scenario apps of the tests, one folder each (tests/metadata/<scenario>).
TEST_APPS = ROOT / "tests" / "metadata"
ADMIN_PASSWORD = "admin-password"
PASSWORD = "tulip-sesame-42"
PG_URL = os.environ.get("FORMFLOW_TEST_DATABASE_URL")
