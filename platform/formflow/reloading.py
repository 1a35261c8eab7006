"""Picking up published metadata without a restart.

Each worker process holds a :class:`~formflow.runtime.Runtime` built from the metadata.
Before a request, at most once per ``METADATA_CHECK_SECONDS``, the worker reads the
metadata revision from the database (one primary-key lookup); when it is not the
revision its runtime was built from, it builds a fresh runtime and swaps it in.

A request already running keeps the runtime it started with (:func:`get_runtime` pins
it for the request), so nothing in flight is dropped or sees half of each.  Only one
thread of a worker rebuilds at a time; the others go on with the current runtime.  When
the new metadata cannot be loaded (a file on this host is broken, say), the error is
logged, the worker keeps serving the runtime it has and tries again only when the
revision changes once more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

from formflow.runtime import Runtime
from formflow.storage.revision import current_revision

log = logging.getLogger(__name__)


class MetadataReloader:
    def __init__(
        self,
        interval: float,
        *,
        on_reload: Callable[[Runtime], object] = lambda runtime: None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.interval = interval
        self.on_reload = on_reload
        self._clock = clock
        self._next_check = 0.0
        self._failed_revision: int | None = None
        self._lock = threading.Lock()

    def refresh(self, app: Flask) -> None:
        """Swap in a freshly built runtime if newer metadata was published."""
        if self._clock() < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            self._next_check = self._clock() + self.interval
            runtime: Runtime = app.extensions["formflow"]
            revision = current_revision(runtime.db)
            if revision is None or revision in (runtime.revision, self._failed_revision):
                return
            try:
                fresh = runtime.reloaded()
            except Exception:  # noqa: BLE001 - keep serving what works; the log says why
                log.exception(
                    "metadata revision %s could not be loaded; still serving %s",
                    revision,
                    runtime.revision,
                )
                self._failed_revision = revision
                return
            app.extensions["formflow"] = fresh
            log.info("metadata revision %s loaded (was %s)", fresh.revision, runtime.revision)
            self.on_reload(fresh)
        finally:
            self._lock.release()


    def adopt(self, app: Flask, runtime: Runtime) -> None:
        """Serve ``runtime`` from now on: one this worker built for what it just
        published (the others find the revision raised and load it themselves)."""
        with self._lock:
            current: Runtime = app.extensions["formflow"]
            if current.revision is not None and runtime.revision is not None and (
                    runtime.revision < current.revision):
                return  # something newer is served already
            app.extensions["formflow"] = runtime
            self.on_reload(runtime)


def init_app(app: Flask, on_reload: Callable[[Runtime], object]) -> MetadataReloader:
    """Check for newly published metadata before each request."""
    reloader = MetadataReloader(app.config["METADATA_CHECK_SECONDS"], on_reload=on_reload)
    app.before_request(lambda: reloader.refresh(current_app))
    app.extensions["formflow_reloader"] = reloader
    return reloader
