"""The plugin surface for a plugin's own pages and REST routes (``register_pages``): the
HTTP edge's helpers, re-exported so a plugin imports nothing else from formflow.

- :func:`get_runtime`: the app's services (``runtime.records``, ``runtime.process``, ...)
  and its database handle, for the request.
- :func:`render`: a page (or its htmx fragment) in the site's frame.
- :func:`current_api_user`: who calls a REST route (token or session), or 401.
- :func:`json_body`: a request's JSON object, or a 400 problem.
"""

from __future__ import annotations

from formflow.api.authentication import current_api_user
from formflow.api.routes import json_body
from formflow.runtime import get_runtime
from formflow.web.rendering import render

__all__ = ["current_api_user", "get_runtime", "json_body", "render"]
