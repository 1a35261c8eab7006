"""The plugin surface for a plugin's own pages and REST routes (``register_pages``): the
HTTP edge's helpers, re-exported so a plugin imports nothing else from formflow.

- :func:`get_runtime`: the app's services (``runtime.records``, ``runtime.process``, ...)
  and its database handle, for the request.
- :func:`render`: a page (or its htmx fragment) in the site's frame.
- :func:`current_api_user`: who calls a REST route (token or session), or 401.
- :func:`json_body`: a request's JSON object, or a 400 problem.
"""

from __future__ import annotations

from typing import Any

from formflow.auth import User
from formflow.runtime import get_runtime
from formflow.web.rendering import render

__all__ = ["current_api_user", "get_runtime", "json_body", "render"]


# The REST API's modules are imported on the first call, not with the plugin: a command
# that only loads the plugins (``formflow import``...) does not import the API.
def current_api_user() -> User:
    """Who calls a REST route (a token or a session), or 401."""
    from formflow.api.authentication import current_api_user

    return current_api_user()


def json_body() -> Any:
    """The request's JSON body, or a 400 (415 when it is not JSON) problem."""
    from formflow.api.routes import json_body

    return json_body()
