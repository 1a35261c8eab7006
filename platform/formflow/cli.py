"""The ``formflow`` command: a Flask CLI group, so ``formflow run`` and ``formflow shell``
work too.  Each command is a thin shell over a service.

The commands that serve or show the pages (``run``, ``shell``, ``routes``, ``demo``) get
the whole app; the others work on data and get the runtime in an app context without
the REST API and the pages (``create_app(pages=False)``), which start quicker."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from formflow.auth import create_token, create_user, get_user_by_name, list_tokens
from formflow.auth.admin_log import CLI
from formflow.cli_data import DATA_COMMANDS, user_show_command
from formflow.cli_overlays import OverlaidApps, echo_published_overlays, overlays_group
from formflow.design.overlay_store import published_overlays
from formflow.design.site_apps import published_site_apps_at, read_at
from formflow.errors import ServiceError, ValidationFailed
from formflow.files_cli import files_group
from formflow.i18n import render_errors
from formflow.metadata.loader import collect_problems
from formflow.plugins.manager import PluginLoadError
from formflow.records.idempotency import forget_expired_keys
from formflow.runtime import get_runtime, load_plugins, plugin_extensions
from formflow.settings import load_settings
from formflow.storage.statistics import refresh_statistics

#: The commands that get the whole app: they serve, or show what is served.
SERVING = frozenset({"run", "shell", "routes", "demo"})


def command_app():
    """The app for the command being run: the whole app for a command in SERVING, else
    the app without the REST API and the pages."""
    from formflow.app import create_app

    context = click.get_current_context(silent=True)
    command = context.find_root().invoked_subcommand if context else None
    return create_app(pages=command in SERVING)


@click.group(cls=FlaskGroup, create_app=command_app,
             help="Formflow: business processes from JSON metadata.")
def main() -> None:
    pass


@main.command("init")
@click.option("--admin-password",
              help="Password for user 'admin' (generated and printed when omitted).")
@with_appcontext
def init_command(admin_password: str | None) -> None:
    """Create the system tables, install the apps on the metadata path and create user admin."""
    from formflow.install import install

    steps, password = install(get_runtime(), admin_password)
    for step in steps:
        click.echo(step.description)
    click.echo(f"Database ready ({len(steps)} changes).")
    if password and not admin_password:
        click.echo(f"Sign in as admin with password: {password}")


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
def check_command(paths: tuple[str, ...]) -> None:
    """Validate metadata; PATH is an app folder or a folder of app folders
    (default: the metadata path and the site apps published in the database).  Prints
    each problem as `file: json/path: message` (a warning as
    `file: json/path: warning: message`); exits 1 on errors only."""
    settings = load_settings()
    targets = list(paths) or settings["METADATA_PATH"]
    try:  # field types and expression functions of plugins are part of the language
        field_types, functions = plugin_extensions(load_plugins(settings))
    except PluginLoadError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    # Without paths, the site apps published in the database are checked too.
    site_apps = {} if paths else published_site_apps_at(settings["DATABASE_URL"])
    overlays = {} if paths else read_at(settings["DATABASE_URL"], published_overlays)
    checked = OverlaidApps(overlays)
    problems = collect_problems(
        targets, field_types=field_types, functions=list(functions), warnings=True,
        site_apps=site_apps, adjust=checked,
    )
    for problem in problems:
        click.echo(str(problem))
    checked.echo_skipped()
    errors = [p for p in problems if not p.is_warning]
    if errors:
        click.echo(f"{len(errors)} problem(s) found.", err=True)
        sys.exit(1)
    if problems:
        click.echo(f"Metadata is valid, with {len(problems)} warning(s).")
        return
    click.echo("Metadata is valid.")


@main.command("migrate")
@click.option("--plan", "plan_only", is_flag=True, help="Only print what would change.")
@click.option("--allow-destructive", is_flag=True,
              help="Drop columns of removed fields instead of archiving them.")
@with_appcontext
def migrate_command(plan_only: bool, allow_destructive: bool) -> None:
    """Sync the database tables with the published metadata."""
    from formflow.install import migrate, plan
    from formflow.storage.migrate import MigrationRefused

    runtime = get_runtime()
    try:
        if plan_only:
            steps = plan(runtime, allow_destructive=allow_destructive)
        else:
            steps = migrate(runtime, allow_destructive=allow_destructive)
    except MigrationRefused as refused:
        for problem in refused.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    for step in steps:
        click.echo(("[destructive] " if step.destructive else "") + step.description)
    done = "planned" if plan_only else "applied"
    click.echo(f"{len(steps)} change(s) {done}." if steps else "Nothing to change.")
    if plan_only:
        echo_published_overlays(runtime)


@main.command("plugins")
@with_appcontext
def plugins_command() -> None:
    """List the plugins: name, version, where each was loaded from, and any load error."""
    for plugin in get_runtime().plugins.plugins:
        status = "disabled: " + plugin.error if plugin.error else "loaded"
        version = plugin.version or "-"
        click.echo(f"{plugin.name:<20} {version:<10} {plugin.source}  [{status}]")


@main.group("user")
def user_group() -> None:
    """Manage users."""


for _command in DATA_COMMANDS:
    main.add_command(_command)
user_group.add_command(user_show_command)
main.add_command(overlays_group)


@user_group.command("create")
@click.argument("name")
@click.option("--password", required=True,
              help="At least FORMFLOW_PASSWORD_MIN_LENGTH (8) characters, not a common one.")
@click.option("--role", "roles", multiple=True, help="A role name; repeat for several.")
@click.option("--department", help="Department code.")
@click.option("--manager", help="User name of the manager.")
@click.option("--display-name", help="Name shown in the UI.")
@with_appcontext
def user_create_command(name, password, roles, department, manager, display_name) -> None:
    """Create user NAME."""
    runtime = get_runtime()
    try:
        with runtime.db.write() as conn:
            create_user(conn, name, password, display_name=display_name, roles=roles,
                        department=department, manager=manager, known_roles=runtime.model.roles,
                        actor=CLI, policy=runtime.account_policy)
    except ServiceError as error:
        _fail(error)
    click.echo(f"User {name} created.")


@main.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("create")
@click.argument("name")
@click.option("--label", default="cli", help="What the token is for.")
@click.option("--days", type=int, default=None,
              help="Days until it expires (default and longest: FORMFLOW_TOKEN_DAYS; "
                   "0: never, when that is 0).")
@with_appcontext
def token_create_command(name: str, label: str, days: int | None) -> None:
    """Create an API token for user NAME and print it alone on the last line."""
    runtime = get_runtime()
    try:
        with runtime.db.write() as conn:
            user = get_user_by_name(conn, name)
            if user is None:
                raise click.ClickException(f"No user named {name!r}.")
            token_id, token = create_token(conn, user.id, label, days=days, actor=CLI,
                                           policy=runtime.account_policy)
            expires = next(t for t in list_tokens(conn, user.id) if t.id == token_id).expires_at
    except ServiceError as error:
        _fail(error)
    click.echo(f"Expires: {expires:%Y-%m-%d %H:%M} UTC." if expires else "Never expires.")
    click.echo("Keep this token secret; it is shown only once:")
    click.echo(token)


@main.command("demo")
@click.option("--port", default=5000, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on (0.0.0.0: every interface).")
@click.option("--no-serve", is_flag=True, help="Only load the demo data.")
@click.option("--reset", is_flag=True,
              help="Drop every table in the database first, then load the demo afresh.")
@with_appcontext
def demo_command(port: int, host: str, no_serve: bool, reset: bool) -> None:
    """Install, load a demo company into the shipped apps (once), print the logins, then
    serve in the foreground until Ctrl-C."""
    import logging
    import textwrap

    from werkzeug.serving import run_simple

    from formflow.demo import DemoIncomplete, load_demo
    from formflow.demo import reset as reset_database
    from formflow.demo.company import logins

    runtime = get_runtime()
    where = runtime.db.engine.url.render_as_string(hide_password=True)
    if reset:
        click.confirm(f"Drop every table in {where} and load the demo afresh?", abort=True)
        click.echo(f"Dropped {reset_database(runtime)} tables.")
    click.echo(f"Demo database: {where}")
    try:
        loaded = load_demo(runtime, progress=lambda line: click.echo(f"  {line}"))
    except DemoIncomplete as error:
        raise click.ClickException(f"{error}; start over with: formflow demo --reset") from None
    if not loaded:
        click.echo("  The demo data is already loaded; it is used as it is (to start over:"
                   " formflow demo --reset).")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - compared only
    click.echo(f"\nSign in at http://{shown}:{port}/login as:\n")
    click.echo(f"  {'user':<10} {'password':<11} who they are, and what they do")
    for username, password, who, does in logins():
        click.echo(f"  {username:<10} {password:<11} {who}")
        for line in textwrap.wrap(does, 76):
            click.echo(f"  {'':<10} {'':<11}   {line}")
    if no_serve:
        return
    click.echo(f"\nServing on http://{shown}:{port}/ (press Ctrl-C to stop).")
    click.echo("A development server, for trying Formflow: deploy with gunicorn (docs/deploy.md).")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # formflow.requests logs each
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@main.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run due timers: SLA reminders, escalations and auto-actions, then the plugins'
    scheduled jobs and the queued background imports, forget idempotency keys past their
    window, and refresh the planner's statistics of tables that changed.  Safe to run
    from several machines at once; run it from cron every minute."""
    runtime = get_runtime()
    for line in runtime.sla.tick().summary():
        click.echo(line)
    for line in runtime.jobs.run_due().summary():
        click.echo(line)
    click.echo(f"Background imports run: {runtime.import_worker.run_due()}")
    with runtime.db.write() as conn:
        click.echo(f"Idempotency keys forgotten: {forget_expired_keys(conn)}")
    with runtime.db.write() as conn:
        analyzed = refresh_statistics(conn)
    click.echo(f"Planner statistics refreshed: {', '.join(analyzed) or 'none needed'}")


@main.group("calendar")
def calendar_group() -> None:
    """The working calendar: working hours, holidays and make-up working days."""


@calendar_group.command("holiday")
@click.argument("day")
@click.option("--working", is_flag=True, help="A make-up working day (调休), not a holiday.")
@click.option("--note", help="What the day is, e.g. 'National Day'.")
@with_appcontext
def calendar_holiday_command(day: str, working: bool, note: str | None) -> None:
    """Mark DAY (YYYY-MM-DD) as a holiday, or with --working as a working day."""
    from formflow.process.calendar.service import parse_day, save_day

    try:
        date = parse_day(day)
    except ServiceError as error:
        _fail(error)
    with get_runtime().db.write() as conn:
        save_day(conn, date, working, note, actor=CLI)
    click.echo(f"{date.isoformat()} is now a {'working day' if working else 'holiday'}.")


@calendar_group.command("remove")
@click.argument("day")
@with_appcontext
def calendar_remove_command(day: str) -> None:
    """Make DAY (YYYY-MM-DD) an ordinary day of the week again."""
    from formflow.process.calendar.service import delete_day, parse_day

    try:
        date = parse_day(day)
    except ServiceError as error:
        _fail(error)
    with get_runtime().db.write() as conn:
        removed = delete_day(conn, date, actor=CLI)
    click.echo(f"{date.isoformat()} is an ordinary day again." if removed
               else f"{date.isoformat()} was not marked.")


@calendar_group.command("hours")
@click.option("--weekdays", help="Working weekdays, 1 (Monday) to 7, e.g. 1,2,3,4,5.")
@click.option("--hours", help="Working hours, e.g. 09:00-12:00,13:00-18:00.")
@with_appcontext
def calendar_hours_command(weekdays: str | None, hours: str | None) -> None:
    """Set the working week; an option left out keeps its value."""
    from formflow.process.calendar.service import parse_hours_text, read_week, save_week

    with get_runtime().db.write() as conn:
        days, periods = read_week(conn)
        try:
            if weekdays:
                days = tuple(sorted({int(d) for d in weekdays.split(",")}))
                if not all(1 <= d <= 7 for d in days):
                    raise ValueError(weekdays)
            if hours:
                periods = parse_hours_text(hours)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
        save_week(conn, days, periods, actor=CLI)
    _echo_week(days, periods)


@calendar_group.command("show")
@click.option("--year", type=int, help="Only the marked days of this year.")
@with_appcontext
def calendar_show_command(year: int | None) -> None:
    """Print the working week and the marked days."""
    from formflow.process.calendar.service import list_days, read_week

    with get_runtime().db.read() as conn:
        days, periods = read_week(conn)
        marked = list_days(conn, year)
    _echo_week(days, periods)
    for day in marked:
        kind = "working day" if day["working"] else "holiday"
        click.echo(f"{day['day']}  {kind:<11}  {day['note'] or ''}".rstrip())


def _echo_week(days, periods) -> None:
    from formflow.process.calendar.working import format_period

    hours = ", ".join("-".join(format_period(p)) for p in periods)
    click.echo(f"Working weekdays: {','.join(map(str, days))}; hours: {hours} "
               f"({get_runtime().settings['TIMEZONE']})")


@main.group("events")
def events_group() -> None:
    """The process event log."""


@events_group.command("export")
@click.option("--entity", help="Only this entity's events (app.entity).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
@with_appcontext
def events_export_command(entity: str | None, output: str | None) -> None:
    """Export the event log as CSV for process mining: case_id, activity, timestamp,
    resource, entity, record_id, from_state, to_state, process_version, seconds_in_state,
    comment."""
    try:
        chunks = get_runtime().events.export(None, entity)
    except ServiceError:
        raise click.ClickException(f"No entity with a process named {entity!r}.") from None
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        for chunk in chunks:
            handle.write(chunk)
    click.echo(f"Events written to {output}.", err=True)


@main.group("insights")
def insights_group() -> None:
    """Process figures."""


@insights_group.command("import-baseline")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--process", "process_name", required=True, metavar="APP.PROCESS",
              help="The process the log belongs to.")
@click.option("--label", required=True, help="The baseline's name, e.g. 'v0 (before Formflow)'.")
@click.option("--map", "mapping", type=click.Path(exists=True, dir_okay=False),
              help="CSV of activity,state: the process state each activity of the log means.")
@with_appcontext
def insights_import_baseline_command(file: str, process_name: str, label: str,
                                     mapping: str | None) -> None:
    """Import an event log of the old way of working (CSV: case_id, activity, timestamp,
    resource; an activity is the state a case entered) as a baseline to compare with."""
    mapping_text = None if mapping is None else _read_text(mapping)
    try:
        count = get_runtime().insights.import_baseline(process_name, label, _read_text(file),
                                                        mapping_text)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Baseline {label!r} of {process_name}: {count} events imported.")


@insights_group.command("rebuild")
@click.option("--process", "process_name", metavar="APP.PROCESS",
              help="Only this process (default: every process).")
@with_appcontext
def insights_rebuild_command(process_name: str | None) -> None:
    """Summarize every case anew from the event log (after a bulk load of events, or
    to fill the summary tables of a database that predates them)."""
    try:
        counts = get_runtime().insights.rebuild(process_name)
    except ServiceError as error:
        _fail(error)
    for name, count in counts.items():
        click.echo(f"{name}: {count} cases summarized.")


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read()


def _fail(error: ServiceError) -> None:
    message = error.message.render("en")
    if isinstance(error, ValidationFailed):
        rendered = render_errors(error.errors, "en")
        message += " " + "; ".join(
            f"{field}: {' '.join(texts)}" for field, texts in rendered.items()
        )
    raise click.ClickException(message)


main.add_command(files_group)
