"""What administrators see of the plugins: every plugin found, whether it loaded (and
why not), the apps it runs for, the hooks it implements, its scheduled jobs with their
last run, and its settings with secret values masked.

``GET /api/v1/admin/plugins`` and the admin page's plugin list both show
:func:`describe_plugins`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from formflow.errors import Forbidden
from formflow.i18n import Message
from formflow.plugins.loading import LoadedPlugin
from formflow.plugins.manager import ALL_APPS, PluginSet

if TYPE_CHECKING:
    from formflow.auth import User
    from formflow.plugins.jobs import JobRunner

#: A setting whose name holds one of these words is shown masked.
SECRET_WORDS = ("secret", "password", "passwd", "token", "key", "credential")
MASK = "••••••"


def describe_plugins(user: User, plugins: PluginSet, jobs: JobRunner,
                     lang: str | None = None) -> list[dict[str, Any]]:
    """Every plugin found, for an admin: ``name``, ``version``, ``description`` (in
    ``lang``),
    ``source``, ``builtin``, ``loaded``, ``error`` (why it did not load), ``apps``,
    ``hooks``, ``jobs`` (with their last run) and ``settings`` (secrets masked)."""
    if not user.is_admin:
        raise Forbidden(Message("forbidden"))
    status = jobs.status()
    return [
        {
            "name": p.name,
            "version": p.version,
            "description": p.description.text(lang),
            "source": p.source,
            "builtin": p.builtin,
            "loaded": p.loaded,
            "error": p.error,
            "apps": _apps(plugins, p),
            "hooks": plugins.hook_names(p.name) if p.loaded else [],
            "jobs": [j for j in status if j["name"].startswith(f"{p.name}.")],
            "settings": masked(plugins.settings(p.name)) if p.loaded else {},
        }
        for p in plugins.plugins
    ]


def _apps(plugins: PluginSet, plugin: LoadedPlugin) -> list[str]:
    if not plugin.loaded:
        return []
    if ALL_APPS in plugin.apps or plugin.builtin:
        return [ALL_APPS]
    apps = plugins.model.apps if plugins.model is not None else {}
    return sorted(a for a in apps if plugins.enabled(plugin, a))


def masked(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with the value of every secret-looking one replaced (an empty one
    stays empty, so an admin can tell it is unset)."""
    return {
        key: MASK if value not in (None, "") and is_secret(key) else value
        for key, value in settings.items()
    }


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)
