"""Helpers for tests that start a real server process on a loopback port."""

from __future__ import annotations

import socket
from pathlib import Path

import gunicorn.config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def own_control_socket(folder: Path) -> list[str]:
    """gunicorn 24 and later open a control socket, by default one per user: give this
    server its own, so servers running side by side do not take each other's."""
    known = {setting.name for setting in gunicorn.config.KNOWN_SETTINGS}
    return ["--control-socket", str(folder / "gunicorn.ctl")] if "control_socket" in known else []
