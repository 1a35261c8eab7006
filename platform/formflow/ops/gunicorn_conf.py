"""gunicorn settings for running Formflow with several workers:

    PROMETHEUS_MULTIPROC_DIR=/run/formflow-metrics \
        gunicorn -c python:formflow.ops.gunicorn_conf -w 4 -b 127.0.0.1:8000 wsgi:app

With ``PROMETHEUS_MULTIPROC_DIR`` set, the metric files of an earlier run are removed
when the server starts (else counts would carry over) and a worker that exits is
dropped from the in-flight count.  Options on the command line still apply.
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import multiprocess

from formflow.ops.metrics import MULTIPROCESS_ENV


def on_starting(server) -> None:
    folder = os.environ.get(MULTIPROCESS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for path in Path(folder).glob("*.db"):
            path.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(worker.pid)
