"""``formflow overlays``: a site's changes to shipped apps as files for version control
(``export``, ``import``), and their status against the shipped files (also listed by
``formflow migrate --plan``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from formflow.design import overlay_store as store
from formflow.errors import ServiceError, ValidationFailed
from formflow.i18n import render_errors
from formflow.runtime import get_runtime

if TYPE_CHECKING:
    from formflow.design.overlay_apply import Outcome

MAX_FILE = 5_000_000
ACTOR = "cli"


@click.group("overlays")
def overlays_group() -> None:
    """A site's changes to the shipped apps."""


@overlays_group.command("export")
@click.argument("app")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def export_command(app: str, file: str | None) -> None:
    """Write APP's overlay (its draft operations, each with the shipped value it was
    made against) as JSON to FILE (default: standard output)."""
    runtime = get_runtime()
    _shipped_or_exit(runtime, app)
    with runtime.db.read() as conn:
        items = [store.plain(item) for item in store.read_items(conn, app)]
    text = json.dumps({"app": app, "items": items}, ensure_ascii=False, indent=2) + "\n"
    if file:
        Path(file).write_text(text, encoding="utf-8")
        click.echo(f"{len(items)} operation(s) written to {file}.")
    else:
        click.echo(text, nl=False)


@overlays_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the overlay after replacing it.")
@with_appcontext
def import_command(file: str, publish: bool) -> None:
    """Show what the overlay in FILE does against the shipped files, then make it the
    app's overlay (replacing the one it has)."""
    from formflow.design.publishing import PublishRefused
    from formflow.design.service import DesignService

    runtime = get_runtime()
    path = Path(file)
    if path.stat().st_size > MAX_FILE:
        raise click.ClickException(f"{file} is larger than {MAX_FILE} bytes.")
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file}: not JSON ({error})") from None
    app = body.get("app") if isinstance(body, dict) else None
    _shipped_or_exit(runtime, app)
    service = DesignService(runtime)
    try:
        service.overlays.replace_all(app, body.get("items"), ACTOR)
    except ServiceError as error:
        details = render_errors(error.errors, "en") if isinstance(error, ValidationFailed) \
            else {}
        raise click.ClickException(" ".join([error.message.render("en"), *(
            f"{key}: {' '.join(texts)}" for key, texts in details.items())])) from None
    echo_outcomes(app, service.overlays.outcomes(app))
    if publish:
        try:
            version, _ = service.overlays.publisher(app).publish(
                confirm=False, note=f"imported from {path.name}", author=ACTOR)
        except PublishRefused as refused:
            click.echo(refused.message.render("en"), err=True)
            for problem in refused.problems + refused.steps:
                click.echo(f"  {problem.get('path') or problem.get('text')}: "
                           f"{problem.get('message', '')}", err=True)
            sys.exit(1)
        click.echo(f"Published as overlay version {version}.")


def echo_outcomes(app: str, outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        item = outcome.as_json("en")
        line = f"overlay {app}: {item['op']} {item['path']}: {item['status']}"
        click.echo(line + (f" ({item['message']})" if item["message"] else ""))


def echo_published_overlays(runtime) -> None:
    """Each published overlay operation with its status against the shipped files."""
    from formflow.design.overlay_apply import apply_overlay

    for app, items in sorted(runtime.overlays.items()):
        if app in runtime.shipped:
            echo_outcomes(app, apply_overlay(runtime.shipped[app], items)[1])


class OverlaidApps:
    """The documents ``formflow check`` checks for a shipped app: its files with the
    published overlay; remembers the operations that were skipped, to print them."""

    def __init__(self, overlays: dict[str, list[dict]]):
        self.overlays = overlays
        self.skipped: dict[str, list[Outcome]] = {}

    def __call__(self, app: str, documents: dict) -> dict:
        if not self.overlays.get(app):
            return documents
        from formflow.design.overlay_apply import apply_overlay

        effective, outcomes = apply_overlay(documents, self.overlays[app])
        self.skipped[app] = [o for o in outcomes if o.status != "applied"]
        return effective

    def echo_skipped(self) -> None:
        for app, outcomes in sorted(self.skipped.items()):
            echo_outcomes(app, outcomes)


def _shipped_or_exit(runtime, app) -> None:
    if not isinstance(app, str) or app not in runtime.shipped or app in runtime.site_apps:
        raise click.ClickException(f"No shipped app named {app}.")
