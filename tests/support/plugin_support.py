"""Helpers shared by the hook tests (``test_plugins_*.py``).

- ``HOOK_APPS``: ``tests/metadata/hooks``: the ``memo`` app (enables plugin ``probe``):
  a memo with a process draft -> review (role reviewer, any) -> approved / rejected.
- ``TYPE_APPS``: ``tests/metadata/hook_types``: the ``gizmo`` app, which needs the
  field type ``serial_code`` and the expression function ``twice`` from a plugin.
- ``write_plugin``: write a plugin module into a plugins folder.
- ``PluginEnv`` (made by ``plugin_env_factory``): an app with a test plugin, users, API clients
  and the plugin module (``env.probe``: the module, whose ``CALLS`` list its hooks fill).
"""

from __future__ import annotations

import sys
import textwrap

from formflow.auth import create_token, create_user, get_user_by_name
from support import PASSWORD, TEST_APPS
from support.api_client import ApiClient

HOOK_APPS = TEST_APPS / "hooks"
TYPE_APPS = TEST_APPS / "hook_types"
MEMOS = "memo/memo"


def write_plugin(folder, name: str, source: str):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


class PluginEnv:
    def __init__(self, app):
        self.app = app
        self.runtime = app.extensions["formflow"]

    @property
    def probe(self):
        """The test plugin's module as loaded by this app."""
        return sys.modules["formflow_plugin_probe"]

    @property
    def calls(self) -> list:
        return self.probe.CALLS

    def user(self, name: str, roles=()):
        with self.runtime.db.write() as conn:
            found = get_user_by_name(conn, name)
            if found is None:
                found = create_user(conn, name, PASSWORD, roles=roles,
                                    known_roles=self.runtime.model.roles)
            return found

    def api(self, name: str, roles=()) -> ApiClient:
        user = self.user(name, roles)
        with self.runtime.db.write() as conn:
            _, token = create_token(conn, user.id, "test")
        return ApiClient(self.app.test_client(), token)


def plugin_env_factory(make_app, tmp_path):
    """``factory(source, apps=[HOOK_APPS], **config)``: an app whose plugin folder holds
    ``source`` as plugin ``probe`` (the ``plugin_env`` fixture of the hook tests)."""

    def factory(source: str, apps=(HOOK_APPS,), **config) -> PluginEnv:
        folder = write_plugin(tmp_path / "plugins", "probe", source)
        return PluginEnv(make_app(list(apps), PLUGINS_PATH=[str(folder)], **config))

    return factory
